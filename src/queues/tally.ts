// Counts per queue gathered by Lua scripts in slices: each slice returns a flat list
// "queue, count, queue, count, ..." (built by LUA_RETURN_TALLY), added up here.

/** Lua tail: returns the table `tally` (queue -> count) as a flat list of pairs. */
export const LUA_RETURN_TALLY = `
local out = {}
for q, n in pairs(tally) do
  out[#out + 1] = q
  out[#out + 1] = n
end
return out
`;

/** Adds one slice's flat pairs into `into`. */
export function addTally(into: Map<string, number>, flat: unknown): void {
  const pairs = flat as (string | number)[];
  for (let i = 0; i + 1 < pairs.length; i += 2) into.set(String(pairs[i]), (into.get(String(pairs[i])) ?? 0) + Number(pairs[i + 1]));
}
