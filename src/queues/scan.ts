// SCAN (never KEYS) with a large COUNT: the whole keyspace in a few round trips without blocking Redis.
import type Redis from 'ioredis';

export const SCAN_COUNT = 1000;

export async function scanAll(redis: Redis, pattern: string, limit = 100_000): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0' && out.length < limit);
  return out;
}
