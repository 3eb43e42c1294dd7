// Read-only: what finished on many BullMQ queues since a cursor, from each queue's own records.
//
// - The `events` stream: every final completion and failure is an event ("completed" / "failed";
//   a retried attempt emits "waiting" or "delayed" instead), whatever removeOnComplete/removeOnFail
//   did to the job afterwards. The cursor is the last event id read plus the stream's entries-added
//   count at that id (Redis 7+), so a gap is sized exactly: the stream is trimmed from its head
//   (MAXLEN ~ maxLenEvents), so events after our id can only have been lost if our id was trimmed
//   too (first id > ours), and then lost = (entries-added now - ours) - XLEN.
// - The `metrics:completed|failed` hashes, where workers enable metrics: exact monotonic counts
//   (`count`) that no trimming touches. When present they are the counts; the events give runtimes.
// - Runtimes: processedOn/finishedOn of the completed jobs just read, where the job hash is kept.
//
// KEYS[1] = a key of the first queue (routes the call on a Cluster). ARGV[1] = prefix, ARGV[2] = max
// events read per queue, ARGV[3] = max runtimes per queue, ARGV[4..] = triples (queue name, last
// event id, entries-added at it); an empty id asks for a baseline.
// Returns one string per queue:
//   "B,<id>,<added>,<metricsCompleted>,<metricsFailed>"   (baseline; '' for absent metrics)
//   "D,<id>,<added>,<completed>,<failed>,<lost>,<more>,<metricsCompleted>,<metricsFailed>,<rt;rt;...>"
//   where lost is -1 when a gap cannot be sized (Redis < 7), more is 1 when maxEvents were read.
export const BULLMQ_FLOW_LUA = `
local prefix = ARGV[1]
local maxRead = tonumber(ARGV[2])
local maxRt = tonumber(ARGV[3])
local function added(stream)
  -- A stream that does not exist yet will count from 0 when it is created.
  if redis.call('EXISTS', stream) == 0 then return 0 end
  local ok, info = pcall(redis.call, 'XINFO', 'STREAM', stream)
  if not ok then return -1 end
  for i = 1, #info, 2 do
    if info[i] == 'entries-added' then return tonumber(info[i + 1]) end
  end
  return -1
end
-- Stream ids "ms-seq" compared as numbers (ms has 13 digits: exact in a double).
local function before(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
local out = {}
for i = 4, #ARGV, 3 do
  local base = prefix .. ':' .. ARGV[i] .. ':'
  local ev = base .. 'events'
  local lastId, lastAdded = ARGV[i + 1], tonumber(ARGV[i + 2]) or -1
  local mc = redis.call('HGET', base .. 'metrics:completed', 'count') or ''
  local mf = redis.call('HGET', base .. 'metrics:failed', 'count') or ''
  if lastId == '' then
    local last = redis.call('XREVRANGE', ev, '+', '-', 'COUNT', 1)
    out[#out + 1] = table.concat({ 'B', (last[1] and last[1][1]) or '0-0', added(ev), mc, mf }, ',')
  else
    local lost = 0
    local first = redis.call('XRANGE', ev, '-', '+', 'COUNT', 1)
    if first[1] and lastId ~= '0-0' and before(lastId, first[1][1]) then
      local now = added(ev)
      if now >= 0 and lastAdded >= 0 then
        lost = math.max(0, (now - lastAdded) - redis.call('XLEN', ev))
        lastAdded = now - redis.call('XLEN', ev)
      else
        lost = -1
      end
    end
    local entries = redis.call('XRANGE', ev, '(' .. lastId, '+', 'COUNT', maxRead)
    local completed, failed, ids = 0, 0, {}
    for _, e in ipairs(entries) do
      local f = e[2]
      local event, jobId
      for k = 1, #f, 2 do
        if f[k] == 'event' then event = f[k + 1] elseif f[k] == 'jobId' then jobId = f[k + 1] end
      end
      if event == 'completed' then
        completed = completed + 1
        if jobId then ids[#ids + 1] = jobId end
      elseif event == 'failed' then
        failed = failed + 1
      end
    end
    local rts = {}
    for k = math.max(1, #ids - maxRt + 1), #ids do
      local t = redis.call('HMGET', base .. ids[k], 'processedOn', 'finishedOn')
      local s, e = tonumber(t[1]), tonumber(t[2])
      if s and e and e >= s then rts[#rts + 1] = e - s end
    end
    local newId = lastId
    if #entries > 0 then newId = entries[#entries][1] end
    if lastAdded >= 0 then lastAdded = lastAdded + #entries end
    out[#out + 1] = table.concat({ 'D', newId, lastAdded, completed, failed, lost, (#entries == maxRead) and 1 or 0, mc, mf, table.concat(rts, ';') }, ',')
  end
end
return out
`;

/** Events read per queue per call: a call over a chunk stays within a few ms. */
export const BULLMQ_FLOW_MAX_EVENTS = 2000;
/** Runtimes read per queue per call (the newest completed jobs among the events read). */
export const BULLMQ_FLOW_MAX_RUNTIMES = 50;
/** Queues per call. */
export const BULLMQ_FLOW_CHUNK = 20;
/** Calls per queue per reading when a queue has more events than one call reads. */
export const BULLMQ_FLOW_MAX_ROUNDS = 5;
