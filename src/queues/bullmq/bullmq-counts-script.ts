// Read-only: sizes of every BullMQ state for many queues, the paused flag, the enqueue time of the
// oldest waiting job and (when asked) the average runtime of recent jobs, in one call.
//
// Counts follow the events. BullMQ appends an event to the queue's `events` stream at every
// transition that moves a job between states (added, waiting, active, completed, failed, delayed,
// removed, paused, resumed, ...). The caller passes, per queue, the id of the last event its counts
// take in (its cursor). One XREAD over all those streams returns the newer events of each; a queue
// without any answers "=" and the caller keeps its counts. For a queue with newer events, only the
// states they touch are read again (a progress event touches none; a completion touches active and
// completed), so the cost follows the events, not the queues. A full count (with a new cursor) is
// made where the events cannot settle it: no cursor yet, a deleted stream, the cursor trimmed out of
// the capped stream (a gap), more than MAX_EVENTS events, an event this script does not know (paused,
// resumed, cleaned), or a removal from an unknown state. Transitions that emit no event at all
// (Queue.drain, changePriority) are covered by the caller asking, now and then, for the states they
// touch (the pending ones and delayed) to be read again ('F').
//
// KEYS[1] = a key of the first queue, only to route the call to its node on a Cluster.
// ARGV[1] = key prefix ("bull"), ARGV[2] = MAX_EVENTS,
// ARGV[3..] = pairs of queue name and "<flags>|<cursor>": cursor '' = count in full; flags 'F' =
// read the pending and delayed states again (the cursor stays, moved past the new events), 'R' =
// measure the runtime.
// Returns one string: the queues' rows joined by ';', each "=" when nothing changed, "+<cursor>"
// when only the cursor moved (its new events changed no count), else "wait,paused,active,
// prioritized,delayed,completed,failed,waiting-children,isPaused,oldestTimestampMs,runtimeMs,cursor"
// where an empty field is one left as it was (-1: none; cursor '' when the stream is empty). isPaused
// is read only by a full count. One string rather than a value per field or per queue:
// building and parsing reply arrays is most of the cost at 100 queues.
export const BULLMQ_COUNTS_LUA = `
local prefix, maxEvents = ARGV[1], tonumber(ARGV[2])
local PARTS = { 'wait', 'paused', 'active', 'prioritized', 'delayed', 'completed', 'failed', 'waiting-children' }
local LISTS = { wait = true, paused = true, active = true }
local PENDING = { 'wait', 'paused', 'prioritized' }
local SILENT = { 'wait', 'paused', 'prioritized', 'delayed' }
local EVERY = {}
for _, p in ipairs(PARTS) do EVERY[p] = true end
-- The states each event may have changed. Empty: it changes none (a progress report).
local TOUCHES = {
  progress = {}, duplicated = {}, deduplicated = {}, debounced = {}, drained = {}, ['retries-exhausted'] = {},
  -- 'added' is always followed by where the job went (waiting, delayed, waiting-children).
  added = {},
  active = { 'wait', 'paused', 'prioritized', 'active' },
  completed = { 'active', 'completed' },
  failed = { 'active', 'failed' },
  delayed = { 'delayed', 'active', 'wait', 'paused', 'prioritized', 'waiting-children' },
  stalled = { 'active', 'wait', 'paused', 'prioritized', 'failed' },
  ['waiting-children'] = { 'waiting-children', 'active' },
}
-- A job's earlier state ('prev' of waiting and removed events) as the states that hold it.
local FROM = {
  active = { 'active' }, delayed = { 'delayed' }, prioritized = { 'prioritized' }, completed = { 'completed' },
  failed = { 'failed' }, ['waiting-children'] = { 'waiting-children' }, waiting = PENDING, wait = PENDING, paused = PENDING,
}

local function size(base, part)
  if LISTS[part] then return redis.call('LLEN', base .. part) end
  return redis.call('ZCARD', base .. part)
end

local function oldestOf(base)
  local oldest = redis.call('LINDEX', base .. 'wait', -1)
  if oldest then return tonumber(redis.call('HGET', base .. oldest, 'timestamp')) or -1 end
  return -1
end

local function runtimeOf(base)
  local total, n = 0, 0
  for _, id in ipairs(redis.call('ZREVRANGE', base .. 'completed', 0, 9)) do
    local t = redis.call('HMGET', base .. id, 'processedOn', 'finishedOn')
    local started, finished = tonumber(t[1]), tonumber(t[2])
    if started and finished and finished >= started then
      total = total + (finished - started)
      n = n + 1
    end
  end
  if n > 0 then return math.floor(total / n) end
  return -1
end

-- The states the events touched, or false where only a full count settles it.
local function touchedBy(entries)
  local touched = {}
  for i = 1, #entries do
    local fields = entries[i][2]
    local event = fields[2]
    local states = TOUCHES[event]
    if states then
      for _, s in ipairs(states) do touched[s] = true end
    elseif event == 'waiting' or event == 'removed' then
      local prev
      for k = 3, #fields - 1, 2 do
        if fields[k] == 'prev' then prev = fields[k + 1] break end
      end
      -- waiting without prev: a new job (into wait, or prioritized).
      if event == 'waiting' then for _, s in ipairs(PENDING) do touched[s] = true end end
      if prev or event == 'removed' then
        local from = prev and FROM[prev]
        if not from then return false end
        for _, s in ipairs(from) do touched[s] = true end
      end
    else
      return false
    end
  end
  return touched
end

-- A row with the touched states read again (every state and the paused flag for a full count).
local function row(base, touched, full, runtime, cursor)
  local r = {}
  for i, part in ipairs(PARTS) do
    -- Only BullMQ 5 has a 'paused' list; an absent key reads 0, as BullMQ 6 counts it.
    if touched[part] then r[i] = size(base, part) else r[i] = '' end
  end
  r[9] = full and ((redis.call('HGET', base .. 'meta', 'paused') == '1') and 1 or 0) or ''
  r[10] = touched.wait and (r[1] > 0 and oldestOf(base) or -1) or ''
  r[11] = runtime and (redis.call('ZCARD', base .. 'completed') > 0 and runtimeOf(base) or -1) or ''
  r[12] = cursor
  return table.concat(r, ',')
end

local function newest(base)
  local last = redis.call('XREVRANGE', base .. 'events', '+', '-', 'COUNT', 1)
  return (last[1] and last[1][1]) or ''
end

local names, flags, cursors = {}, {}, {}
local streams, ids = {}, {}
for i = 3, #ARGV, 2 do
  local spec = ARGV[i + 1]
  local bar = string.find(spec, '|', 1, true)
  local n = #names + 1
  names[n], flags[n], cursors[n] = ARGV[i], string.sub(spec, 1, bar - 1), string.sub(spec, bar + 1)
  if cursors[n] ~= '' then
    streams[#streams + 1] = prefix .. ':' .. ARGV[i] .. ':events'
    ids[#ids + 1] = cursors[n]
  end
end
-- The new events of each stream (at most maxEvents + 1: more are not followed), and the streams gone.
local changed = {}
if #streams > 0 then
  local args = { 'COUNT', maxEvents + 1, 'STREAMS' }
  for _, s in ipairs(streams) do args[#args + 1] = s end
  for _, id in ipairs(ids) do args[#args + 1] = id end
  local newer = redis.call('XREAD', unpack(args))
  if newer then
    for _, s in ipairs(newer) do changed[s[1]] = s[2] end
  end
  if redis.call('EXISTS', unpack(streams)) < #streams then
    for _, s in ipairs(streams) do
      if redis.call('EXISTS', s) == 0 then changed[s] = false end
    end
  end
end
local out = {}
for n = 1, #names do
  local base = prefix .. ':' .. names[n] .. ':'
  local cursor, fl = cursors[n], flags[n]
  local again, runtime = string.find(fl, 'F', 1, true) ~= nil, string.find(fl, 'R', 1, true) ~= nil
  local events = changed[base .. 'events']
  local touched = {}
  if cursor ~= '' and events then
    -- A gap: events after the cursor trimmed away. Trimming (MAXLEN, XTRIM) drops the oldest
    -- entries first, so had any event after the cursor gone, every older entry would have gone
    -- with it and the stream would hold just the new ones. It holds more: nothing was dropped.
    if #events > maxEvents or redis.call('XLEN', base .. 'events') <= #events then
      touched = false
    else
      touched = touchedBy(events)
      cursor = events[#events][1]
    end
  end
  if cursor == '' or events == false or touched == false then
    out[n] = row(base, EVERY, true, runtime, newest(base))
  elseif again then
    -- What moves jobs without an event (Queue.drain, changePriority) touches these; the events
    -- read above add theirs.
    for _, s in ipairs(SILENT) do touched[s] = true end
    out[n] = row(base, touched, false, runtime, cursor)
  elseif next(touched) == nil and not runtime then
    out[n] = events and ('+' .. cursor) or '='
  else
    out[n] = row(base, touched, false, runtime, cursor)
  end
end
return table.concat(out, ';')
`;

/** Queues per script call: keeps each call well under the 5 ms a single Redis command may block. */
export const BULLMQ_COUNTS_CHUNK = 100;
/** A queue with more new events than this is counted in full (cheaper than reading them all). */
export const BULLMQ_COUNTS_MAX_EVENTS = 32;
/** Runtimes move slowly: measured at most this often per queue, cached in between. */
export const BULLMQ_RUNTIME_EVERY_MS = 10_000;
/** The states that change without an event are read again at least this often, whatever the events say. */
export const BULLMQ_FULL_COUNT_EVERY_MS = 5_000;
