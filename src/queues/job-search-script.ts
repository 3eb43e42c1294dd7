// One slice of a job search, run inside Redis: a bounded window of a list or sorted set is read and
// every member (a payload, or a job id whose hash holds the job) is matched against the text, so a
// search of 100 000 jobs is many short calls (each well under 5 ms) instead of one long one, and
// only the matches cross the network. Matching is a plain substring search of the lower-cased text
// (ASCII letters, as Lua lowers them) in each lower-cased member or field (measured faster than a
// case-insensitive Lua pattern over the original).
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
local nmatched = tonumber(ARGV[10]) or 0
local nfields = #ARGV - 10
local total, members, scores
if kind == 'list' then
  total = redis.call('LLEN', KEYS[1])
  if dir == 'fwd' then members = redis.call('LRANGE', KEYS[1], offset, offset + size - 1)
  else
    members = redis.call('LRANGE', KEYS[1], -(offset + size), -(offset + 1))
    local r = {}
    for i = #members, 1, -1 do r[#r + 1] = members[i] end
    members = r
  end
else
  total = redis.call('ZCARD', KEYS[1])
  local withScores
  if dir == 'fwd' then withScores = redis.call('ZRANGE', KEYS[1], offset, offset + size - 1, 'WITHSCORES')
  else withScores = redis.call('ZREVRANGE', KEYS[1], offset, offset + size - 1, 'WITHSCORES') end
  members, scores = {}, {}
  for i = 1, #withScores, 2 do
    members[#members + 1] = withScores[i]
    scores[#scores + 1] = withScores[i + 1]
  end
end
local matchedFields = { unpack(ARGV, 11, 10 + nmatched) }
local hayParts = {}
local out = { 0, total }
local found = 0
local last = offset + #members
for i, m in ipairs(members) do
  local values
  local hay = m
  if hashPrefix ~= '' then
    local id = m
    if ARGV[9] ~= '' then id = string.match(m, '^[^:]+') or m end
    -- The matched fields first; the rest only for a match.
    values = redis.call('HMGET', hashPrefix .. id, unpack(matchedFields))
    local hit = needle == ''
    if not hit then
      -- The id and the matched fields as one text, lowered and searched once (a newline between
      -- them, so that no match spans two of them unless the text holds a newline).
      for f = 1, nmatched do hayParts[f + 1] = values[f] or '' end
      hayParts[1] = id
      hit = string.find(string.lower(table.concat(hayParts, '\\n', 1, nmatched + 1)), needle, 1, true) ~= nil
    end
    if hit and must ~= '' then
      hit = false
      for f = 1, nmatched do
        if values[f] and string.find(values[f], must, 1, true) then hit = true break end
      end
    end
    if hit and nfields > nmatched then
      local rest = redis.call('HMGET', hashPrefix .. id, unpack(ARGV, 11 + nmatched))
      for f = 1, #rest do values[nmatched + f] = rest[f] end
    end
    hay = hit
  end
  if (hashPrefix ~= '' and hay == true) or (hashPrefix == '' and (must == '' or string.find(hay, must, 1, true)) and (needle == '' or string.find(string.lower(hay), needle, 1, true))) then
    out[#out + 1] = offset + i - 1
    out[#out + 1] = m
    out[#out + 1] = scores and scores[i] or ''
    if values then for f = 1, nfields do out[#out + 1] = values[f] or '' end end
    found = found + 1
    if found >= want then last = offset + i break end
  end
end
if last >= total or #members == 0 then out[1] = -1 else out[1] = last end
return out
`;
