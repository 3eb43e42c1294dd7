// Read-only: sizes of every BullMQ state for many queues, the paused flag, the enqueue time of the
// oldest waiting job and (when asked) the average runtime of recent jobs, in one call.
//
// Counts follow the events. BullMQ appends an event to the queue's `events` stream at every
// transition that moves a job between states (added, waiting, active, completed, failed, delayed,
// removed, paused, resumed, ...). The caller passes, per queue, the id of the last event its counts
// take in (its cursor). The script reads each stream's newer events (two ways, below); a queue
// without any answers "=" and the caller keeps its counts. For a queue with newer events, only the
// states they touch are read again (a progress event touches none; a completion touches active and
// completed), so the cost follows the events, not the queues. A full count (with a new cursor) is
// made where the events cannot settle it: no cursor yet, a deleted stream, the cursor trimmed out of
// the capped stream (a gap), more than MAX_EVENTS events, an event this script does not know (paused,
// resumed, cleaned), or a removal from an unknown state. Transitions that emit no event at all
// (Queue.drain, changePriority) are covered by the caller asking, now and then, for the states they
// touch (the pending ones and delayed) to be read again.
//
// KEYS[1] = a key of the first queue, only to route the call to its node on a Cluster.
// ARGV[1] = key prefix ("bull"), ARGV[2] = MAX_EVENTS, ARGV[3] = one character per queue: '0' + 1
// when it is followed from a cursor (else counted in full), + 2 to read the states that move
// silently again, + 4 to measure the runtime, + 8 when its stream is read newest first (below),
// + 16 when it is paused (BullMQ 5 keeps the jobs of a paused queue in a 'paused' list, and that
// list is empty, or absent, at any other time: it is read only then);
// ARGV[4] = how many queues are counted in full, ARGV[5] = how many followed queues are read oldest
// first; then the names of those counted in full; then the streams of those read oldest first and
// their cursors (XREAD's own arguments, passed on as they are); then the streams of those read
// newest first, each with the first id after its cursor. A followed queue's keys are its stream's
// key less "events": its name is not sent (a name per queue was a third of the arguments).
//
// Two ways to read a stream's new events, each cheap where the other is not. One XREAD over many
// streams skips a stream with nothing new at almost no cost, but for one with new events it walks
// the stream's last block from its start up to the cursor. XREVRANGE from the newest entry back to
// the cursor touches only the new events, but costs a call per stream even when there are none.
// The caller reads a queue whose last reading had new events newest first (it is likely to have
// more), and the others with the one XREAD.
//
// Returns one string: the queues' rows joined by ';', each "=" when nothing changed, "+<cursor>"
// when only the cursor moved (its new events changed no count), else "wait,paused,active,
// prioritized,delayed,completed,failed,waiting-children,isPaused,oldestTimestampMs,runtimeMs,cursor"
// where an empty field is one left as it was (-1: none). The cursor is '' after a full count when
// the stream is empty, and otherwise where it did not move. isPaused is read only by a full count.
// One string rather than a value per field or per queue: building and parsing reply arrays is most
// of the cost at 100 queues.
//
// Inside Redis every table and string the script makes is garbage Lua collects later, at a cost
// that grows with them: states are bits of one number, rows one concatenation, and a queue's
// keys are built only where one of its states is read.
export const BULLMQ_COUNTS_LUA = `
local prefix, maxEvents, flags, nf, mq = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local n = #flags
local mb = (#ARGV - 5 - nf - 2 * mq) / 2
-- ARGV[QUIET + j], ARGV[QUIET + mq + j]: the j-th stream read oldest first and its cursor; ARGV[BUSY + j],
-- ARGV[BUSY + mb + j]: the j-th read newest first and the first id after its cursor.
local QUIET, BUSY = 5 + nf, 5 + nf + 2 * mq
local band, bor = bit.band, bit.bor
local WAIT, PAUSED, ACTIVE, PRIORITIZED, DELAYED, COMPLETED, FAILED, CHILDREN = 1, 2, 4, 8, 16, 32, 64, 128
local EVERY = 255
local PENDING = WAIT + PAUSED + PRIORITIZED
-- What moves jobs without an event (Queue.drain, changePriority) touches these.
local SILENT = PENDING + DELAYED
-- The states each event may have changed. 0: it changes none (a progress report).
local TOUCHES = {
  progress = 0, duplicated = 0, deduplicated = 0, debounced = 0, drained = 0, ['retries-exhausted'] = 0,
  -- 'added' is always followed by where the job went (waiting, delayed, waiting-children).
  added = 0,
  active = PENDING + ACTIVE,
  completed = ACTIVE + COMPLETED,
  failed = ACTIVE + FAILED,
  delayed = DELAYED + ACTIVE + PENDING + CHILDREN,
  stalled = ACTIVE + PENDING + FAILED,
  ['waiting-children'] = CHILDREN + ACTIVE,
}
-- A job's earlier state ('prev' of waiting and removed events) as the states that hold it.
local FROM = {
  active = ACTIVE, delayed = DELAYED, prioritized = PRIORITIZED, completed = COMPLETED, failed = FAILED,
  ['waiting-children'] = CHILDREN, waiting = PENDING, wait = PENDING, paused = PENDING,
}

-- A state's size where the bit is set, else '' (left as it was).
local function size(base, touched, state, part, list)
  if band(touched, state) == 0 then return '' end
  if list then return redis.call('LLEN', base .. part) end
  return redis.call('ZCARD', base .. part)
end

local function oldestOf(base)
  local oldest = redis.call('LINDEX', base .. 'wait', -1)
  if oldest then return tonumber(redis.call('HGET', base .. oldest, 'timestamp')) or -1 end
  return -1
end

local function runtimeOf(base)
  local total, count = 0, 0
  for _, id in ipairs(redis.call('ZREVRANGE', base .. 'completed', 0, 9)) do
    local t = redis.call('HMGET', base .. id, 'processedOn', 'finishedOn')
    local started, finished = tonumber(t[1]), tonumber(t[2])
    if started and finished and finished >= started then
      total = total + (finished - started)
      count = count + 1
    end
  end
  if count > 0 then return math.floor(total / count) end
  return -1
end

-- The states the events touched (of those in keep), or -1 where only a full count settles it.
local function touchedBy(entries, keep)
  local touched = 0
  for i = 1, #entries do
    local fields = entries[i][2]
    local event = fields[2]
    local states = TOUCHES[event]
    if states then
      touched = bor(touched, states)
    elseif event == 'waiting' or event == 'removed' then
      local prev
      for k = 3, #fields - 1, 2 do
        if fields[k] == 'prev' then prev = fields[k + 1] break end
      end
      -- waiting without prev: a new job (into wait, or prioritized).
      if event == 'waiting' then touched = bor(touched, PENDING) end
      if prev or event == 'removed' then
        local from = prev and FROM[prev]
        if not from then return -1 end
        touched = bor(touched, from)
      end
    else
      return -1
    end
  end
  return band(touched, keep)
end

-- A queue's row with the touched states read again (every state and the paused flag for a full
-- count, with the stream's newest id as its cursor).
local function row(base, touched, full, runtime, cursor)
  local wait = size(base, touched, WAIT, 'wait', true)
  local oldest = ''
  if wait ~= '' then oldest = wait > 0 and oldestOf(base) or -1 end
  local paused = ''
  if full then paused = redis.call('HGET', base .. 'meta', 'paused') == '1' and 1 or 0 end
  local ran = ''
  if runtime then ran = redis.call('ZCARD', base .. 'completed') > 0 and runtimeOf(base) or -1 end
  if full then
    local last = redis.call('XREVRANGE', base .. 'events', '+', '-', 'COUNT', 1)
    cursor = (last[1] and last[1][1]) or ''
  end
  -- Only BullMQ 5 has a 'paused' list; an absent key reads 0, as BullMQ 6 counts it.
  return wait .. ',' .. size(base, touched, PAUSED, 'paused', true) .. ',' .. size(base, touched, ACTIVE, 'active', true) .. ','
    .. size(base, touched, PRIORITIZED, 'prioritized') .. ',' .. size(base, touched, DELAYED, 'delayed') .. ','
    .. size(base, touched, COMPLETED, 'completed') .. ',' .. size(base, touched, FAILED, 'failed') .. ','
    .. size(base, touched, CHILDREN, 'waiting-children') .. ',' .. paused .. ',' .. oldest .. ',' .. ran .. ',' .. cursor
end

-- The new events of the quiet streams (at most maxEvents + 1: more are not followed), in the order
-- asked (XREAD leaves out a stream with none), and whether any followed stream is gone.
local newer, gone = false, false
if mq > 0 then
  newer = redis.call('XREAD', 'COUNT', maxEvents + 1, 'STREAMS', unpack(ARGV, QUIET + 1, QUIET + 2 * mq))
  gone = redis.call('EXISTS', unpack(ARGV, QUIET + 1, QUIET + mq)) < mq
end
local out = {}
local jf, jq, jb, k = 0, 0, 0, 1
for i = 1, n do
  local bits = string.byte(flags, i) - 48
  local again, runtime, busy = bits % 4 >= 2, bits % 8 >= 4, bits % 16 >= 8
  -- The 'paused' list only where the queue is paused (a full count reads it all the same).
  local keep = bits >= 16 and EVERY or EVERY - PAUSED
  -- cursor: where the queue's events now end, where they moved (else nil: as it was).
  -- A gap (events after the cursor trimmed away) is counted in full. Trimming (MAXLEN, XTRIM)
  -- drops the oldest entries first, so had any event after the cursor gone, every older entry
  -- would have gone with it and the stream would hold just the new ones. It holds more (XLEN):
  -- nothing was dropped.
  local touched, cursor, events, stream = -1, nil, nil, nil
  if bits % 2 == 1 then
    if busy then
      -- Newest first, down to (not including) the cursor.
      jb = jb + 1
      stream = ARGV[BUSY + jb]
      local got = redis.call('XREVRANGE', stream, '+', ARGV[BUSY + mb + jb], 'COUNT', maxEvents + 1)
      if #got > 0 then
        if #got <= maxEvents and redis.call('XLEN', stream) > #got then
          events = got
          touched = touchedBy(events, keep)
          cursor = got[1][1]
        end
      elseif redis.call('EXISTS', stream) == 1 then
        touched = 0
      end
    else
      jq = jq + 1
      stream = ARGV[QUIET + jq]
      if newer and newer[k] and newer[k][1] == stream then
        events = newer[k][2]
        k = k + 1
        if #events <= maxEvents and redis.call('XLEN', stream) > #events then
          touched = touchedBy(events, keep)
          cursor = events[#events][1]
        end
      elseif not (gone and redis.call('EXISTS', stream) == 0) then
        touched = 0
      end
    end
  end
  local base
  if stream then
    base = string.sub(stream, 1, -7)
  else
    jf = jf + 1
    base = prefix .. ':' .. ARGV[5 + jf] .. ':'
  end
  if touched == -1 then
    out[i] = row(base, EVERY, true, runtime, nil)
  elseif again then
    out[i] = row(base, band(bor(touched, SILENT), keep), false, runtime, cursor or '')
  elseif touched ~= 0 or runtime then
    out[i] = row(base, touched, false, runtime, cursor or '')
  elseif events then
    out[i] = '+' .. cursor
  else
    out[i] = '='
  end
end
return table.concat(out, ';')
`;

/** Queues per script call: keeps each call well under the 5 ms a single Redis command may block. */
export const BULLMQ_COUNTS_CHUNK = 100;
/**
 * Queues in a node's first call. It is sent as soon as its arguments are built, so that Redis
 * reads these while the client builds the next call (see runEach): a small first call starts
 * Redis early. 10 of 100 queues: 0.59x getJobCounts where one call of 100 took 0.63x, every queue
 * changed (A/B in one process on 2026-12-07).
 */
export const BULLMQ_COUNTS_FIRST_CHUNK = 10;
/** A queue with more new events than this is counted in full (cheaper than reading them all). */
export const BULLMQ_COUNTS_MAX_EVENTS = 32;
/**
 * Runtimes move slowly: measured at most this often per queue, cached in between, and only where
 * the completed jobs moved since (the average is of the last completed jobs, and every change to
 * that set comes with an event that has the script read the completed count again).
 */
export const BULLMQ_RUNTIME_EVERY_MS = 10_000;
/**
 * Measured again at least this often all the same: a job hash changed or evicted behind BullMQ's
 * back (no event) shows within this.
 */
export const BULLMQ_RUNTIME_CHECK_EVERY_MS = 60_000;
/** The states that change without an event are read again at least this often, whatever the events say. */
export const BULLMQ_FULL_COUNT_EVERY_MS = 5_000;
