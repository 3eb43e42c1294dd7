// Queue discovery shared by every adapter: where the names come from is the system's business
// (SCAN of a key pattern, never KEYS; or its own registry set); the result is cached for a while,
// because discovery is for views and lookups, not for every counts tick.
import type { RedisClient } from './redis-client';
import { queueRef, type QueueRef, type SystemName } from './contract';
import { scanAll } from './redis-client';

export const DISCOVERY_TTL_MS = 30_000;

export class QueueDiscovery {
  private cached: { at: number; refs: QueueRef[] } | undefined;

  constructor(
    private readonly system: SystemName,
    private readonly connection: string,
    /** The queue names, in any order, duplicates allowed. */
    private readonly names: (now: number) => Promise<string[]>,
  ) {}

  /** Names from the keys matching `pattern` (SCAN), each key mapped to its queue by `queueOf`. */
  static scanning(redis: RedisClient, system: SystemName, connection: string, pattern: string, queueOf: (key: string) => string | undefined): QueueDiscovery {
    return new QueueDiscovery(system, connection, async () => (await scanAll(redis, pattern)).map(queueOf).filter((n): n is string => !!n));
  }

  async discover(force = false): Promise<QueueRef[]> {
    const now = Date.now();
    if (!force && this.cached && now - this.cached.at < DISCOVERY_TTL_MS) return this.cached.refs;
    const names = [...new Set(await this.names(now))].sort();
    // A queue found again keeps its ref object: what is cached per ref (the signals' key string)
    // stays valid, and the same queue is the same object from one discovery to the next.
    const before = new Map(this.cached?.refs.map((r) => [r.name, r]));
    const refs = names.map((n) => before.get(n) ?? queueRef(this.system, this.connection, n));
    this.cached = { at: now, refs };
    return refs;
  }
}

/**
 * Queues in a first chunk of `first` (a small first call that Redis starts on while the client
 * builds the rest), then chunks of `size`.
 */
export function chunkedAfter<T>(items: readonly T[], first: number, size: number): T[][] {
  if (items.length <= first) return items.length ? [[...items]] : [];
  return [items.slice(0, first), ...chunked(items.slice(first), size)];
}

/** Splits queues into chunks of `size` (one counts-script call each). */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
