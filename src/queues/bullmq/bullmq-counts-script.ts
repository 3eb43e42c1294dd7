// Read-only: sizes of every BullMQ state for many queues, plus the paused flag and the age of the
// oldest waiting job, in one call. The time comes in as an argument (no TIME inside the script).
// ARGV[1] = key prefix ("bull"), ARGV[2] = now (ms), ARGV[3..] = queue names.
// Returns, per queue: wait, paused, active, prioritized, delayed, completed, failed,
// waiting-children, isPaused (0/1), oldest waiting age in ms (-1 when none), average runtime of
// the last 10 completed jobs in ms (-1 when none).
export const BULLMQ_COUNTS_LUA = `
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV do
  local base = prefix .. ':' .. ARGV[i] .. ':'
  local wait = redis.call('LLEN', base .. 'wait')
  out[#out + 1] = wait
  out[#out + 1] = redis.call('LLEN', base .. 'paused')
  out[#out + 1] = redis.call('LLEN', base .. 'active')
  out[#out + 1] = redis.call('ZCARD', base .. 'prioritized')
  out[#out + 1] = redis.call('ZCARD', base .. 'delayed')
  out[#out + 1] = redis.call('ZCARD', base .. 'completed')
  out[#out + 1] = redis.call('ZCARD', base .. 'failed')
  out[#out + 1] = redis.call('ZCARD', base .. 'waiting-children')
  out[#out + 1] = (redis.call('HGET', base .. 'meta', 'paused') == '1') and 1 or 0
  local age = -1
  if wait > 0 then
    local oldest = redis.call('LINDEX', base .. 'wait', -1)
    if oldest then
      local ts = tonumber(redis.call('HGET', base .. oldest, 'timestamp'))
      if ts then age = math.max(0, now - ts) end
    end
  end
  out[#out + 1] = age
  local runtime, n = 0, 0
  for _, id in ipairs(redis.call('ZREVRANGE', base .. 'completed', 0, 9)) do
    local t = redis.call('HMGET', base .. id, 'processedOn', 'finishedOn')
    local started, finished = tonumber(t[1]), tonumber(t[2])
    if started and finished and finished >= started then
      runtime = runtime + (finished - started)
      n = n + 1
    end
  end
  out[#out + 1] = (n > 0) and math.floor(runtime / n) or -1
end
return out
`;

/** Queues per script call: keeps each call well under the 5 ms a single Redis command may block. */
export const BULLMQ_COUNTS_CHUNK = 100;
export const BULLMQ_COUNTS_FIELDS = 11;
