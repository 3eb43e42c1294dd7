// Cancel without a race: a job is taken out of the state lists a worker pops from in one atomic
// step, so a worker that has not popped it yet never will, and one that has is told apart ("taken").
// Only then does bullmq's own removeJob script delete the job's hash, logs and links.
// KEYS[1] wait LIST, KEYS[2] paused LIST (BullMQ 5), KEYS[3] prioritized ZSET, KEYS[4] delayed ZSET
// ARGV[1] job id
// Returns the state the job was taken out of, or false when it was in none of them.
export const BULLMQ_CLAIM_LUA = `
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then return 'waiting' end
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 1 then return 'paused' end
if redis.call('ZREM', KEYS[3], ARGV[1]) == 1 then return 'prioritized' end
if redis.call('ZREM', KEYS[4], ARGV[1]) == 1 then return 'delayed' end
return false
`;
