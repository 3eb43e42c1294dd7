// Lua for RQ. Reads take the time as an argument; writes are the exact writes RQ's own Python makes,
// done atomically.

/** Queues in one call of the counts script. */
export const RQ_COUNTS_CHUNK = 100;
/** Queues in the first call, sent as soon as it is built so that Redis starts while the rest are (see runEach). */
export const RQ_COUNTS_FIRST_CHUNK = 25;

// ARGV[1] = prefix ("rq:"), ARGV[2] = now (s), ARGV[3..] = queue names (a chunk of them).
// Returns 1 or 0 (suspended) first, then per queue
// "pending,started,finished,failed,scheduled,deferred,canceled|oldestEnqueuedAt".
// Started counts live entries only (score = expiry); 1.15+ intermediate lists count as started.
export const RQ_COUNTS_LUA = `
local p = ARGV[1]
local now = ARGV[2]
local out = { redis.call('EXISTS', p .. 'suspended') }
for i = 3, #ARGV do
  local q = ARGV[i]
  local key = p .. 'queue:' .. q
  local pending = redis.call('LLEN', key)
  local oldest = ''
  if pending > 0 then
    local id = redis.call('LINDEX', key, 0)
    oldest = redis.call('HGET', p .. 'job:' .. id, 'enqueued_at') or ''
  end
  local started = redis.call('ZCOUNT', p .. 'wip:' .. q, now, '+inf') + redis.call('LLEN', key .. ':intermediate')
  out[#out + 1] = table.concat({
    pending, started,
    redis.call('ZCOUNT', p .. 'finished:' .. q, now, '+inf'),
    redis.call('ZCOUNT', p .. 'failed:' .. q, now, '+inf'),
    redis.call('ZCARD', p .. 'scheduled:' .. q),
    redis.call('ZCARD', p .. 'deferred:' .. q),
    redis.call('ZCARD', p .. 'canceled:' .. q),
  }, ',') .. '|' .. oldest
end
return out
`;

// Job.cancel() of a pending (or scheduled) job: LREM from the queue (or ZREM from the scheduled
// registry); only if that removed it, status = canceled and into the canceled registry.
// KEYS: queue list, scheduled registry, canceled registry, job hash. ARGV[1] = id, ARGV[2] = now (s).
// Returns 'pending' | 'scheduled' when cancelled, else the job's status ('' if no such job).
export const RQ_CANCEL_LUA = `
local from = nil
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then from = 'pending'
elseif redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then from = 'scheduled' end
if from then
  redis.call('HSET', KEYS[4], 'status', 'canceled')
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
  return from
end
return redis.call('HGET', KEYS[4], 'status') or ''
`;

// FailedJobRegistry.requeue / enqueueing a scheduled job now: ZREM from the registry must return
// 1; then the job is reset and RPUSHed to its queue, as Queue.enqueue_job does.
// KEYS: registry, queue list, rq:queues, job hash. ARGV[1] = id, ARGV[2] = enqueued_at (RQ's
// ISO format), ARGV[3] = the queue key (member of rq:queues). Returns 1 when requeued.
export const RQ_REQUEUE_LUA = `
if redis.call('ZREM', KEYS[1], ARGV[1]) ~= 1 then return 0 end
redis.call('HSET', KEYS[4], 'status', 'queued', 'enqueued_at', ARGV[2])
redis.call('HDEL', KEYS[4], 'started_at', 'ended_at', 'exc_info', 'worker_name')
redis.call('PERSIST', KEYS[4])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
`;

// A failed job copied as a new job, as Queue.enqueue_job would queue the same call: its hash but
// what its run wrote (and its retries, which RQ counts down and a copy cannot know), a new id,
// queued now, RPUSHed to its queue or another (a debug worker's). The failed job stays in its registry.
// KEYS: failed registry, the job's hash, the copy's hash, queue list, rq:queues. ARGV[1] = id,
// ARGV[2] = the copy's id, ARGV[3] = now (RQ's ISO format), ARGV[4] = the queue key (member of
// rq:queues), ARGV[5] = the queue's name (the copy's origin). Returns 1 when copied, 0 when the job is not in the failed registry, -1 when its
// hash is gone.
export const RQ_REPLAY_LUA = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local f = redis.call('HGETALL', KEYS[2])
if #f == 0 then return -1 end
local written = { status = true, started_at = true, ended_at = true, exc_info = true, worker_name = true,
  last_heartbeat = true, result = true, created_at = true, enqueued_at = true, retries_left = true,
  retry_intervals = true, dependency_id = true, dependency_ids = true, origin = true }
local copy = { 'status', 'queued', 'created_at', ARGV[3], 'enqueued_at', ARGV[3], 'origin', ARGV[5] }
for i = 1, #f, 2 do
  if not written[f[i]] then copy[#copy + 1] = f[i]; copy[#copy + 1] = f[i + 1] end
end
redis.call('HSET', KEYS[3], unpack(copy))
redis.call('SADD', KEYS[5], ARGV[4])
redis.call('RPUSH', KEYS[4], ARGV[2])
return 1
`;

// Queue.empty(), one slice at a time (the caller repeats until 0): up to 2000 pending jobs are
// taken off the list and their hashes (and dependents sets) deleted. KEYS[1] = queue list,
// ARGV[1] = prefix. Returns how many jobs were deleted.
export const RQ_EMPTY_LUA = `
local ids = redis.call('LPOP', KEYS[1], 2000)
if not ids then return 0 end
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[1] .. 'job:' .. id, ARGV[1] .. 'job:' .. id .. ':dependents')
end
return #ids
`;

// What job.delete() does for a failed (or finished) job, in one step: out of its registry, then its
// hash and its results stream. KEYS: the registry, job hash, results stream; ARGV: job id.
// Returns 1 when it was in the registry (and is gone), else 0 (nothing touched).
export const RQ_DELETE_JOB_LUA = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`;
