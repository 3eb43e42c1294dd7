// Queue discovery shared by every adapter: SCAN (never KEYS) with the system's key pattern, the
// queue name parsed from each key, and the result cached for a while (discovery is for views and
// lookups, not for every counts tick).
import type { RedisClient } from './redis-client';
import { queueRef, type QueueRef, type SystemName } from './contract';
import { scanAll } from './redis-client';

export const DISCOVERY_TTL_MS = 30_000;

export class QueueDiscovery {
  private cached: { at: number; refs: QueueRef[] } | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly system: SystemName,
    private readonly connection: string,
    private readonly pattern: string,
    /** The queue name a key belongs to, or undefined for keys that are not the system's. */
    private readonly queueOf: (key: string) => string | undefined,
  ) {}

  async discover(force = false): Promise<QueueRef[]> {
    const now = Date.now();
    if (!force && this.cached && now - this.cached.at < DISCOVERY_TTL_MS) return this.cached.refs;
    const keys = await scanAll(this.redis, this.pattern);
    const names = [...new Set(keys.map(this.queueOf).filter((n): n is string => !!n))].sort();
    const refs = names.map((n) => queueRef(this.system, this.connection, n));
    this.cached = { at: now, refs };
    return refs;
  }
}

/** Splits queues into chunks of `size` (one counts-script call each). */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
