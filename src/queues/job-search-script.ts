// One slice of a job search, run inside Redis: a bounded window of a list or sorted set is read and
// every member (a payload, or a job id whose hash holds the job) is matched against the text, so a
// search of 100 000 jobs is many short calls (each well under 5 ms) instead of one long one, and
// only the matches cross the network. Matching is a plain substring search of the lower-cased text
// (ASCII letters, as Lua lowers them) in each lower-cased member or field (measured faster than a
// case-insensitive Lua pattern over the original), after plain searches in the value as stored for
// what lowering cannot change (the text's longest run without letters; its rarest letter in either
// case), which pass over most values without lowering them.
//
// KEYS[1]  the list or sorted set
// ARGV[1]  'list' | 'zset'
// ARGV[2]  'fwd' (head / lowest score first) | 'rev' (tail / highest score first)
// ARGV[3]  offset of the slice in that order
// ARGV[4]  slice size
// ARGV[5]  the text, lower-cased ('' matches every member)
// ARGV[6]  at most this many matches (the slice ends at the last one)
// ARGV[7]  text a match must also hold, as stored (case-sensitive; '' = none): a queue's name in
//          a set that several queues share (Sidekiq's retry, dead and schedule sets)
// ARGV[8]  '' when members are payloads; else the key prefix of the job hashes (members are ids)
// ARGV[9]  '1' when a member is "<id>:<execution>" (RQ 2.x's started registry), else ''
// ARGV[10] how many of the fields (the first ones) are matched, with the id
// ARGV[11..] the hash fields returned, for id members
//
// Returns { next offset or -1 when the collection ended, the collection's size, then per match:
// its offset, the member, its score ('' in a list), and for id members one value per field ('' when
// missing) }.
export const JOB_SEARCH_LUA = `
local kind, dir = ARGV[1], ARGV[2]
local offset, size = tonumber(ARGV[3]), tonumber(ARGV[4])
local needle, want, must, hashPrefix = ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8]
local byId = hashPrefix ~= ''
local nmatched = tonumber(ARGV[10]) or 0
local nfields = #ARGV - 10
local find, lower = string.find, string.lower
-- The longest run of the text that lowering leaves as it is (no ASCII letter): a value that does
-- not hold it as stored cannot match, and looking for it makes no new string, so most values are
-- passed over without being lowered (an id, a number, an address: what people search for).
local probe = ''
for run in string.gmatch(needle, '%A+') do if #run > #probe then probe = run end end
-- And its rarest letter (by English letter frequency, as ripgrep picks a rare byte): a value that
-- holds it in neither case cannot match either.
local rare, RARE, rank = '', '', 0
for c in string.gmatch(needle, '%a') do
  local r = find('etaoinshrdlcumwfgypbvkjxqz', c, 1, true) or 0
  if r > rank then rare, RARE, rank = c, string.upper(c), r end
end
local function holds(v)
  return v and (probe == '' or find(v, probe, 1, true)) and (rare == '' or find(v, rare, 1, true) or find(v, RARE, 1, true))
    and find(lower(v), needle, 1, true)
end
local total = kind == 'list' and redis.call('LLEN', KEYS[1]) or redis.call('ZCARD', KEYS[1])
-- rows: the members, each followed (id members) by its matched fields; width values per member.
local rows, width, scores
if byId and ARGV[9] == '' and nmatched > 0 and not find(hashPrefix, '*', 1, true) then
  -- One SORT_RO reads the ids and their fields in C (no sorting: BY nosort keeps the list's or the
  -- set's order, DESC from the tail): ~40 % less Redis time than an HMGET per id from Lua. Where
  -- it is refused (Redis before 7.0; a cluster slot the pattern may leave), the HMGETs below.
  local args = { KEYS[1], 'BY', 'nosort', 'LIMIT', offset, size }
  if dir == 'rev' then args[#args + 1] = 'DESC' end
  args[#args + 1] = 'GET'
  args[#args + 1] = '#'
  for f = 1, nmatched do
    args[#args + 1] = 'GET'
    args[#args + 1] = hashPrefix .. '*->' .. ARGV[10 + f]
  end
  local sorted = redis.pcall('SORT_RO', unpack(args))
  if type(sorted) == 'table' and sorted.err == nil then rows, width = sorted, nmatched + 1 end
end
if not rows then
  width = 1
  if kind == 'list' then
    if dir == 'fwd' then rows = redis.call('LRANGE', KEYS[1], offset, offset + size - 1)
    else
      local tail = redis.call('LRANGE', KEYS[1], -(offset + size), -(offset + 1))
      rows = {}
      for i = #tail, 1, -1 do rows[#rows + 1] = tail[i] end
    end
  else
    local withScores
    if dir == 'fwd' then withScores = redis.call('ZRANGE', KEYS[1], offset, offset + size - 1, 'WITHSCORES')
    else withScores = redis.call('ZREVRANGE', KEYS[1], offset, offset + size - 1, 'WITHSCORES') end
    rows, scores = {}, {}
    for i = 1, #withScores, 2 do
      rows[#rows + 1] = withScores[i]
      scores[#scores + 1] = withScores[i + 1]
    end
  end
end
local matchedFields = { unpack(ARGV, 11, 10 + nmatched) }
local out = { 0, total }
local found = 0
local count = math.floor(#rows / width)
local last = offset + count
local execIds = ARGV[9] ~= ''

-- Is member i a match? (values: its matched fields, for id members)
local function matchAt(i)
  local at = (i - 1) * width + 1
  local m = rows[at]
  if not byId then
    return (must == '' or find(m, must, 1, true)) and (needle == '' or holds(m)), m
  end
  local id = m
  if execIds then id = string.match(m, '^[^:]+') or m end
  -- The matched fields first (read with the slice, or one HMGET); the rest only for a match.
  local vals, base = rows, at
  if width == 1 then vals, base = redis.call('HMGET', hashPrefix .. id, unpack(matchedFields)), 0 end
  local hit = needle == '' or holds(id)
  for f = 1, nmatched do
    if hit then break end
    hit = holds(vals[base + f])
  end
  if hit and must ~= '' then
    hit = false
    for f = 1, nmatched do
      local v = vals[base + f]
      if v and find(v, must, 1, true) then hit = true break end
    end
  end
  return hit, m, id, vals, base
end

-- Adds match i to the reply (for id members with its fields, from vals after base); true once
-- the page is full.
local function take(i, m, id, vals, base)
  local values
  if id then values = { unpack(vals, base + 1, base + nmatched) } end
  if values and nfields > nmatched then
    local rest = redis.call('HMGET', hashPrefix .. id, unpack(ARGV, 11 + nmatched))
    for f = 1, #rest do values[nmatched + f] = rest[f] end
  end
  out[#out + 1] = offset + i - 1
  out[#out + 1] = m
  local score = ''
  if scores then score = scores[i]
  elseif kind == 'zset' then score = redis.call('ZSCORE', KEYS[1], m) end
  out[#out + 1] = score
  if values then for f = 1, nfields do out[#out + 1] = values[f] or '' end end
  found = found + 1
  if found >= want then
    last = offset + i
    return true
  end
  return false
end

if width > 1 and needle ~= '' and must == '' and not execIds then
  -- The ids and their fields as SORT_RO gave them, and nothing else to hold: a value is passed over
  -- inline, without a function call per value (most of the time of the general loop).
  for i = 1, count do
    local at = (i - 1) * width
    for f = 1, width do
      local v = rows[at + f]
      if v and (probe == '' or find(v, probe, 1, true)) and (rare == '' or find(v, rare, 1, true) or find(v, RARE, 1, true))
        and find(lower(v), needle, 1, true) then
        local _, m, id, vals, base = matchAt(i)
        take(i, m, id, vals, base)
        break
      end
    end
    if found >= want then break end
  end
else
  for i = 1, count do
    local hit, m, id, vals, base = matchAt(i)
    if hit and take(i, m, id, vals, base) then break end
  end
end
if last >= total or count == 0 then out[1] = -1 else out[1] = last end
return out
`;
