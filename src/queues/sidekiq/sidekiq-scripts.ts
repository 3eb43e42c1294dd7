import { LUA_RETURN_TALLY } from '../tally';

// Lua for Sidekiq. Reads take the time as an argument and never load a whole set at once; writes
// match the exact member and remove it before anything is enqueued.

// ARGV[1] = key prefix ("" or "ns:"), ARGV[2] = now (s), ARGV[3..] = queue names.
// Returns one string per queue: "pending,active,oldestEnqueuedAtMs" (-1: none). Active jobs come
// from the work hashes of live processes (in `processes`, hash present, beat within 60 s).
export const SIDEKIQ_COUNTS_LUA = `
local p = ARGV[1]
local now = tonumber(ARGV[2])
local active = {}
for _, id in ipairs(redis.call('SMEMBERS', p .. 'processes')) do
  local beat = tonumber(redis.call('HGET', p .. id, 'beat'))
  if beat and now - beat < 60 then
    for _, w in ipairs({ p .. id .. ':workers', p .. id .. ':work' }) do
      for _, v in ipairs(redis.call('HVALS', w)) do
        local q = string.match(v, '"queue":"([^"]+)"')
        if q then active[q] = (active[q] or 0) + 1 end
      end
    end
  end
end
local out = {}
for i = 3, #ARGV do
  local key = p .. 'queue:' .. ARGV[i]
  local n = redis.call('LLEN', key)
  local oldest = -1
  if n > 0 then
    local job = redis.call('LINDEX', key, -1)
    local at = tonumber(string.match(job, '"enqueued_at":([%d%.]+)'))
    if at then oldest = math.floor(at * 1000) end
  end
  out[#out + 1] = n .. ',' .. (active[ARGV[i]] or 0) .. ',' .. oldest
end
return out
`;

// KEYS[1] = a sorted set (schedule, retry or dead). ARGV[1] = start rank, ARGV[2] = how many.
// Returns a flat list queue, count, ... for that slice: a large set is counted in slices.
export const SIDEKIQ_SET_COUNTS_LUA = `
local tally = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1)) do
  local q = string.match(m, '"queue":"([^"]+)"')
  if q then tally[q] = (tally[q] or 0) + 1 end
end
${LUA_RETURN_TALLY}`;
export const SIDEKIQ_SET_CHUNK = 2000;

// Finds the exact member of a job by jid. KEYS[1] = a list or a sorted set; ARGV[1] = jid,
// ARGV[2] = 'list' | 'zset', ARGV[3] = the queue the job must belong to ('' = any).
// Returns the member, or false.
export const SIDEKIQ_FIND_LUA = `
local needle = '"jid":"' .. ARGV[1] .. '"'
local isList = ARGV[2] == 'list'
local size = isList and redis.call('LLEN', KEYS[1]) or redis.call('ZCARD', KEYS[1])
for start = 0, size - 1, 1000 do
  local chunk = isList and redis.call('LRANGE', KEYS[1], start, start + 999) or redis.call('ZRANGE', KEYS[1], start, start + 999)
  for _, m in ipairs(chunk) do
    if string.find(m, needle, 1, true) and (ARGV[3] == '' or string.find(m, '"queue":"' .. ARGV[3] .. '"', 1, true)) then return m end
  end
end
return false
`;

// Removes the exact member, and only if that removed it, enqueues the new payload.
// KEYS[1] = the set (or list) holding it, KEYS[2] = the queue list, KEYS[3] = `queues`.
// ARGV[1] = member, ARGV[2] = 'list' | 'zset', ARGV[3] = payload to LPUSH ('' = none, a plain
// delete), ARGV[4] = queue name. Returns 1 when removed, 0 when someone else got it first.
export const SIDEKIQ_MOVE_LUA = `
local removed
if ARGV[2] == 'list' then removed = redis.call('LREM', KEYS[1], 1, ARGV[1]) else removed = redis.call('ZREM', KEYS[1], ARGV[1]) end
if removed == 1 and ARGV[3] ~= '' then
  redis.call('SADD', KEYS[3], ARGV[4])
  redis.call('LPUSH', KEYS[2], ARGV[3])
end
return removed
`;

// Kill: ZREM from retry (or schedule), then ZADD to dead with the time. KEYS[1] = from, KEYS[2] = dead.
// ARGV[1] = member, ARGV[2] = now (s, float). Returns 1 when moved.
export const SIDEKIQ_KILL_LUA = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  return 1
end
return 0
`;

// Cleans one queue's jobs out of the shared dead set: those that died at or before a time, in one
// slice. KEYS[1] = the dead set; ARGV[1] = cutoff (s, Sidekiq's score), ARGV[2] = queue,
// ARGV[3] = offset among the old enough members (those of other queues stay and are stepped over),
// ARGV[4] = slice size, ARGV[5] = at most this many removed. Returns {removed, next offset, done}.
export const SIDEKIQ_CLEAN_DEAD_LUA = `
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', tonumber(ARGV[3]), tonumber(ARGV[4]))
local removed, kept = 0, 0
local most = tonumber(ARGV[5])
for _, m in ipairs(members) do
  -- The job's own queue (decoded: its arguments may hold a "queue" of their own).
  local ok, job = pcall(cjson.decode, m)
  if removed < most and ok and type(job) == 'table' and job.queue == ARGV[2] then
    redis.call('ZREM', KEYS[1], m)
    removed = removed + 1
  else
    kept = kept + 1
  end
end
local finished = (#members < tonumber(ARGV[4]) or removed >= most) and 1 or 0
return {removed, tonumber(ARGV[3]) + kept, finished}
`;
