import { LUA_RETURN_TALLY } from '../tally';

// Lua for Horizon's keys. Reads take the time as an argument and are chunked; the retry is one
// atomic compare-and-set, so a job retried twice at once is pushed once.

// KEYS[1] = failed_jobs. ARGV[1] = the Horizon prefix, ARGV[2] = start rank, ARGV[3] = how many.
// Returns a flat list queue, count, queue, count, ... of the failed jobs in that rank range whose
// hash still exists (Horizon expires failed job hashes after horizon.trim.failed).
export const HORIZON_FAILED_BY_QUEUE_LUA = `
local prefix = ARGV[1]
local start = tonumber(ARGV[2])
local tally = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], start, start + tonumber(ARGV[3]) - 1)) do
  local q = redis.call('HGET', prefix .. id, 'queue')
  if q then tally[q] = (tally[q] or 0) + 1 end
end
${LUA_RETURN_TALLY}`;
export const HORIZON_FAILED_CHUNK = 1000;

// The retry RetryFailedJob performs, done atomically from outside PHP: the failed job's hash must
// still say status=failed with the same payload and retried_by we read (else 'changed'); then the
// new payload is pushed as Laravel's RedisQueue::pushRaw does (RPUSH + a wake-up token), recorded as
// Horizon's JobPushed listener would (job hash, recent_jobs and pending_jobs), and the retry is
// appended to the failed job's retried_by.
// KEYS: failed job hash, queue list, queue notify list, new job hash, recent_jobs, pending_jobs.
// ARGV: old payload, old retried_by ('' = none), new payload, new retried_by, new id, connection,
//       queue, display name, now (seconds, float string), expire-at (unix seconds).
export const HORIZON_RETRY_LUA = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not-found' end
if status ~= 'failed' then return 'not-failed' end
if redis.call('HGET', KEYS[1], 'payload') ~= ARGV[1] then return 'changed' end
local retried = redis.call('HGET', KEYS[1], 'retried_by') or ''
if retried ~= ARGV[2] then return 'changed' end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('RPUSH', KEYS[3], 1)
redis.call('HMSET', KEYS[4], 'id', ARGV[5], 'connection', ARGV[6], 'queue', ARGV[7], 'name', ARGV[8], 'status', 'pending', 'payload', ARGV[3], 'created_at', ARGV[9], 'updated_at', ARGV[9])
redis.call('EXPIREAT', KEYS[4], tonumber(ARGV[10]))
redis.call('ZADD', KEYS[5], '-' .. ARGV[9], ARGV[5])
redis.call('ZADD', KEYS[6], '-' .. ARGV[9], ARGV[5])
redis.call('HSET', KEYS[1], 'retried_by', ARGV[4])
return 'pushed'
`;
