// Read-only: sizes of every BullMQ state for many queues, the paused flag, the age of the oldest
// waiting job and (when asked) the average runtime of recent jobs, in one call. The time comes in
// as an argument (no TIME inside the script).
// KEYS[1] = a key of the first queue, only to route the call to its node on a Cluster.
// ARGV[1] = key prefix ("bull"), ARGV[2] = now (ms), ARGV[3] = "1" to measure runtimes,
// ARGV[4..] = queue names.
// Returns one string per queue: "wait,paused,active,prioritized,delayed,completed,failed,
// waiting-children,isPaused,oldestAgeMs,runtimeMs" (-1: none / not measured). One string rather
// than eleven integers: building and parsing long reply arrays is most of the cost at 100 queues.
export const BULLMQ_COUNTS_LUA = `
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local withRuntime = ARGV[3] == '1'
local out = {}
for i = 4, #ARGV do
  local base = prefix .. ':' .. ARGV[i] .. ':'
  local wait = redis.call('LLEN', base .. 'wait')
  local completed = redis.call('ZCARD', base .. 'completed')
  local age = -1
  if wait > 0 then
    local oldest = redis.call('LINDEX', base .. 'wait', -1)
    if oldest then
      local ts = tonumber(redis.call('HGET', base .. oldest, 'timestamp'))
      if ts then age = math.max(0, now - ts) end
    end
  end
  local runtime = -1
  if withRuntime and completed > 0 then
    local total, n = 0, 0
    for _, id in ipairs(redis.call('ZREVRANGE', base .. 'completed', 0, 9)) do
      local t = redis.call('HMGET', base .. id, 'processedOn', 'finishedOn')
      local started, finished = tonumber(t[1]), tonumber(t[2])
      if started and finished and finished >= started then
        total = total + (finished - started)
        n = n + 1
      end
    end
    if n > 0 then runtime = math.floor(total / n) end
  end
  -- BullMQ 6 keeps paused jobs in wait; only older versions have a 'paused' list to read.
  local meta = redis.call('HMGET', base .. 'meta', 'paused', 'version')
  local pausedList = 0
  if not (meta[2] and string.match(meta[2], '^bullmq:(%d+)') and tonumber(string.match(meta[2], '^bullmq:(%d+)')) >= 6) then
    pausedList = redis.call('LLEN', base .. 'paused')
  end
  out[#out + 1] = table.concat({
    wait,
    pausedList,
    redis.call('LLEN', base .. 'active'),
    redis.call('ZCARD', base .. 'prioritized'),
    redis.call('ZCARD', base .. 'delayed'),
    completed,
    redis.call('ZCARD', base .. 'failed'),
    redis.call('ZCARD', base .. 'waiting-children'),
    (meta[1] == '1') and 1 or 0,
    age,
    runtime,
  }, ',')
end
return out
`;

/** Queues per script call: keeps each call well under the 5 ms a single Redis command may block. */
export const BULLMQ_COUNTS_CHUNK = 100;
/** Runtimes move slowly: measured at most this often per queue, cached in between. */
export const BULLMQ_RUNTIME_EVERY_MS = 10_000;
