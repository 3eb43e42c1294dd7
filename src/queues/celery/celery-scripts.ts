// Lua for Celery's queues. kombu LPUSHes and BRPOPs: the oldest message is at the right end.

// ARGV[1] = key prefix, ARGV[2] = max messages scanned per queue for ETA headers, ARGV[3..] = queue
// names. Returns per queue "pending,eta_in_list,prefetched,prefetched_eta": the lists (with their
// priority lists) and the unacked messages routed to that queue.
export const CELERY_COUNTS_LUA = `
local p = ARGV[1]
local scan = tonumber(ARGV[2])
local sep = '\\6\\22'
local unacked, unackedEta = {}, {}
for _, v in ipairs(redis.call('HVALS', p .. 'unacked')) do
  -- [message, exchange, routing_key]: the routing key is the queue for Celery's direct exchange
  local rk = string.match(v, '"([^"]*)"%]$')
  if rk then
    unacked[rk] = (unacked[rk] or 0) + 1
    if string.find(v, '"eta": "', 1, true) then unackedEta[rk] = (unackedEta[rk] or 0) + 1 end
  end
end
local out = {}
for i = 3, #ARGV do
  local q = p .. ARGV[i]
  local n, eta = 0, 0
  for _, key in ipairs({ q, q .. sep .. '3', q .. sep .. '6', q .. sep .. '9' }) do
    local len = redis.call('LLEN', key)
    n = n + len
    local left = math.min(len, scan)
    for start = 0, left - 1, 1000 do
      for _, m in ipairs(redis.call('LRANGE', key, start, math.min(start + 999, left - 1))) do
        if string.find(m, '"eta": "', 1, true) then eta = eta + 1 end
      end
    end
  end
  out[#out + 1] = n .. ',' .. eta .. ',' .. (unacked[ARGV[i]] or 0) .. ',' .. (unackedEta[ARGV[i]] or 0)
end
return out
`;
export const CELERY_ETA_SCAN = 10_000;

// Removes one message by task id from a queue's lists (exact element). KEYS = the lists.
// ARGV[1] = task id. Returns the removed element, or false.
export const CELERY_CANCEL_LUA = `
local needle = '"id": "' .. ARGV[1] .. '"'
for _, key in ipairs(KEYS) do
  local len = redis.call('LLEN', key)
  for start = 0, len - 1, 1000 do
    for _, m in ipairs(redis.call('LRANGE', key, start, start + 999)) do
      if string.find(m, needle, 1, true) and redis.call('LREM', key, 1, m) == 1 then return m end
    end
  end
end
return false
`;
