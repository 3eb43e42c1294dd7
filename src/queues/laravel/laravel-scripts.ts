// Lua for Laravel's queues. Read-only counts take the time as an argument; cancel is one atomic
// script that matches jobs by their decoded id, because Laravel's pop script re-encodes the payload
// (attempts + 1) and the reserved copy differs byte for byte from the pending one.

// KEYS[1] = a key of the first queue, only to route the call to its node on a Cluster.
// ARGV[1] = prefix ("laravel_database_"), ARGV[2] = now (ms), ARGV[3] = one character per queue:
// '1' to read its oldest job's enqueue time, '0' not to (its oldest job had none a moment ago),
// ARGV[4..] = queue names.
// Returns one string: the queues' rows joined by ';', each "pending,delayed,reserved,oldestAgeMs"; the
// age is -1 where the oldest job records no enqueue time (or nothing is pending), -2 where it was
// not read. One string rather than a reply per queue: decoding 100 replies costs the client more
// than splitting one.
export const LARAVEL_COUNTS_LUA = `
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local reads = ARGV[3]
local out = {}
for i = 4, #ARGV do
  local key = prefix .. 'queues:' .. ARGV[i]
  local pending = redis.call('LLEN', key)
  local age = -1
  if pending > 0 and string.byte(reads, i - 3) ~= 49 then
    age = -2
  elseif pending > 0 then
    -- Horizon stamps pushedAt (seconds, float, as a string); Laravel 12.11+ createdAt (seconds).
    -- A pattern match, not a JSON decode: at 1000 queues decoding every oldest payload dominates.
    local oldest = redis.call('LINDEX', key, 0)
    -- A plain search first: most payloads (Laravel before 12.11, without Horizon) have neither.
    if string.find(oldest, 'At":', 1, true) then
      local at = tonumber(string.match(oldest, '"pushedAt":"?([%d%.]+)') or string.match(oldest, '"createdAt":"?([%d%.]+)'))
      if at then age = math.max(0, math.floor(now - at * 1000)) end
    end
  end
  out[#out + 1] = pending .. ',' .. redis.call('ZCARD', key .. ':delayed') .. ',' .. redis.call('ZCARD', key .. ':reserved') .. ',' .. age
end
return table.concat(out, ';')
`;

// KEYS: pending list, delayed zset, reserved zset, notify list. ARGV[1] = job id.
// Returns 'pending' or 'delayed' when removed, 'taken' when a worker holds it, 'not-found'.
export const LARAVEL_CANCEL_LUA = `
local id = ARGV[1]
local needle = '"id":"' .. id .. '"'
local function matches(member)
  if not string.find(member, needle, 1, true) then return false end
  local ok, job = pcall(cjson.decode, member)
  return ok and type(job) == 'table' and tostring(job.id) == id
end
local len = redis.call('LLEN', KEYS[1])
for start = 0, len - 1, 1000 do
  for _, member in ipairs(redis.call('LRANGE', KEYS[1], start, start + 999)) do
    if matches(member) then
      redis.call('LREM', KEYS[1], 1, member)
      -- push added one wake-up token; take one away as a pop would.
      redis.call('LPOP', KEYS[4])
      return 'pending'
    end
  end
end
for _, key in ipairs({ KEYS[2], KEYS[3] }) do
  local n = redis.call('ZCARD', key)
  for start = 0, n - 1, 1000 do
    for _, member in ipairs(redis.call('ZRANGE', key, start, start + 999)) do
      if matches(member) then
        if key == KEYS[3] then return 'taken' end
        redis.call('ZREM', key, member)
        return 'delayed'
      end
    end
  end
end
return 'not-found'
`;

// KEYS: delayed zset, pending list, notify list. ARGV[1] = job id.
// Moves one delayed job to the pending list the way Laravel's migrate script does (ZREM, RPUSH, and a
// wake-up token). Returns 'moved' or 'not-found'.
export const LARAVEL_PROMOTE_LUA = `
local id = ARGV[1]
local needle = '"id":"' .. id .. '"'
local n = redis.call('ZCARD', KEYS[1])
for start = 0, n - 1, 1000 do
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], start, start + 999)) do
    if string.find(member, needle, 1, true) then
      local ok, job = pcall(cjson.decode, member)
      if ok and type(job) == 'table' and tostring(job.id) == id then
        redis.call('ZREM', KEYS[1], member)
        redis.call('RPUSH', KEYS[2], member)
        redis.call('RPUSH', KEYS[3], 1)
        return 'moved'
      end
    end
  end
end
return 'not-found'
`;

export const LARAVEL_COUNTS_CHUNK = 100;
/** Queues in a node's first call, sent as soon as it is built so that Redis starts while the rest are (see runEach). */
export const LARAVEL_COUNTS_FIRST_CHUNK = 25;

// As Illuminate's LuaScripts::clear() (php artisan queue:clear): the queue, its delayed and reserved
// sets and its wake-up list go in one step. KEYS: queue, :delayed, :reserved, :notify.
// Returns { pending, delayed, reserved } as they were.
export const LARAVEL_CLEAR_LUA = `
local out = { redis.call('LLEN', KEYS[1]), redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]) }
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return out
`;
