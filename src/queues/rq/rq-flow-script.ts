// Read-only: what finished on many RQ queues since a cursor, from their finished and failed
// registries. RQ scores a registry entry by its expiry (now + result_ttl or failure_ttl, in whole
// seconds, +inf for ttl -1), so entries at or above the highest score seen last time never expire
// before we read them again: new entries = ZCOUNT [lastMax, +inf] now - ZCOUNT [lastMax, +inf] then.
// Exact while a queue's jobs share one ttl; a job kept for less than the others is missed (rare),
// and a job with result_ttl=0 is never in the registry at all (the source says so).
//
// ARGV[1] = prefix ("rq:"), ARGV[2] = max runtimes per queue, ARGV[3..] = groups of five: queue
// name, finished max, finished count, failed max, failed count ('' max = baseline).
// Returns one string per queue: "finMax,finCount,finNew,failMax,failCount,failNew|started;ended|..."
// (the runtimes' ISO times of the newest finished jobs among the new ones).
export const RQ_FLOW_LUA = `
local prefix = ARGV[1]
local maxRt = tonumber(ARGV[2])
local function cursor(key, lastMax, lastCount)
  local top = redis.call('ZREVRANGE', key, 0, 0, 'WITHSCORES')
  local max = top[2] or '-inf'
  local nowCount = redis.call('ZCOUNT', key, max, '+inf')
  if lastMax == '' then return max, nowCount, -1 end
  local fresh = math.max(0, redis.call('ZCOUNT', key, lastMax, '+inf') - tonumber(lastCount))
  return max, nowCount, fresh
end
local out = {}
for i = 3, #ARGV, 5 do
  local q = ARGV[i]
  local fin = prefix .. 'finished:' .. q
  local finMax, finCount, finNew = cursor(fin, ARGV[i + 1], ARGV[i + 2])
  local failMax, failCount, failNew = cursor(prefix .. 'failed:' .. q, ARGV[i + 3], ARGV[i + 4])
  local parts = { table.concat({ finMax, finCount, finNew, failMax, failCount, failNew }, ',') }
  if finNew > 0 then
    for _, id in ipairs(redis.call('ZREVRANGE', fin, 0, math.min(finNew, maxRt) - 1)) do
      local t = redis.call('HMGET', prefix .. 'job:' .. id, 'started_at', 'ended_at')
      if t[1] and t[2] then parts[#parts + 1] = t[1] .. ';' .. t[2] end
    end
  end
  out[#out + 1] = table.concat(parts, '|')
end
return out
`;
