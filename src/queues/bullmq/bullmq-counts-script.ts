// Read-only: sizes of every BullMQ state for many queues, the paused flag, the enqueue time of the
// oldest waiting job and (when asked) the average runtime of recent jobs, in one call. The time
// comes in as an argument (no TIME inside the script).
//
// Revalidation: BullMQ appends an event to the queue's `events` stream at every transition that
// moves a job between states (added, waiting, active, completed, failed, delayed, removed, paused,
// resumed, ...). The caller passes the id of the last event it saw with each queue's full counts;
// one XREAD over all those streams returns only the ones with a newer event, and an EXISTS checks
// that none was deleted. The others answer "=" and the caller keeps its counts: two commands for a
// whole chunk of steady queues instead of eleven reads each. Transitions that emit no event
// (changePriority) are covered by the caller forcing a full count regularly.
//
// KEYS[1] = a key of the first queue, only to route the call to its node on a Cluster.
// ARGV[1] = key prefix ("bull"), ARGV[2] = now (ms), ARGV[3] = "1" to measure runtimes,
// ARGV[4..] = pairs of queue name and the last event id seen ('' = count in full).
// Returns one string per queue: "=" when unchanged, else "wait,paused,active,prioritized,delayed,
// completed,failed,waiting-children,isPaused,oldestTimestampMs,runtimeMs,lastEventId" (-1: none /
// not measured; lastEventId '' when the stream is empty). One string rather than twelve values:
// building and parsing long reply arrays is most of the cost at 100 queues.
export const BULLMQ_COUNTS_LUA = `
local prefix = ARGV[1]
local withRuntime = ARGV[3] == '1'
local out = {}
-- Which of the queues with a known event id have a newer event (or lost their stream)?
local streams, ids = {}, {}
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] ~= '' then
    streams[#streams + 1] = prefix .. ':' .. ARGV[i] .. ':events'
    ids[#ids + 1] = ARGV[i + 1]
  end
end
local changed = {}
if #streams > 0 then
  local args = { 'COUNT', 1, 'STREAMS' }
  for _, s in ipairs(streams) do args[#args + 1] = s end
  for _, id in ipairs(ids) do args[#args + 1] = id end
  local newer = redis.call('XREAD', unpack(args))
  if newer then
    for _, s in ipairs(newer) do changed[s[1]] = true end
  end
  if redis.call('EXISTS', unpack(streams)) < #streams then
    for _, s in ipairs(streams) do
      if redis.call('EXISTS', s) == 0 then changed[s] = true end
    end
  end
end
for i = 4, #ARGV, 2 do
  local base = prefix .. ':' .. ARGV[i] .. ':'
  if ARGV[i + 1] ~= '' and not changed[base .. 'events'] then
    out[#out + 1] = '='
  else
    local last = redis.call('XREVRANGE', base .. 'events', '+', '-', 'COUNT', 1)
    local lastId = (last[1] and last[1][1]) or ''
    local wait = redis.call('LLEN', base .. 'wait')
    local completed = redis.call('ZCARD', base .. 'completed')
    local oldestTs = -1
    if wait > 0 then
      local oldest = redis.call('LINDEX', base .. 'wait', -1)
      if oldest then oldestTs = tonumber(redis.call('HGET', base .. oldest, 'timestamp')) or -1 end
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
      oldestTs,
      runtime,
      lastId,
    }, ',')
  end
end
return out
`;

/** Queues per script call: keeps each call well under the 5 ms a single Redis command may block. */
export const BULLMQ_COUNTS_CHUNK = 100;
/** Runtimes move slowly: measured at most this often per queue, cached in between. */
export const BULLMQ_RUNTIME_EVERY_MS = 10_000;
/** Every queue is counted in full at least this often, whatever its events stream says. */
export const BULLMQ_FULL_COUNT_EVERY_MS = 5_000;
