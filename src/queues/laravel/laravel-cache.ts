// Laravel's default cache store (the redis driver), where the framework keeps the flags its workers
// poll: `illuminate:queue:restart` (queue:restart) and, from 12.40, `illuminate:queue:paused:<conn>:<queue>`
// (queue:pause). Values are written as Laravel's RedisStore writes them: numbers raw, anything else
// PHP-serialized, `forever` = SET without a TTL.
import { isCluster, type RedisClient } from '../redis-client';

export interface LaravelCacheOptions {
  /** The whole key prefix: connection prefix + cache prefix + ':'. */
  prefix: string;
  db: number;
}

export class LaravelCache {
  private client: Promise<RedisClient> | undefined;
  private owned = false;

  constructor(
    private readonly redis: RedisClient,
    readonly opts: LaravelCacheOptions,
  ) {}

  key(name: string): string {
    return `${this.opts.prefix}${name}`;
  }

  /** Truthiness of each flag as Laravel's `$cache->get($key)` would see it (missing = false). */
  async flags(names: readonly string[]): Promise<boolean[]> {
    if (names.length === 0) return [];
    const conn = await this.conn();
    const keys = names.map((n) => this.key(n));
    // MGET needs one hash slot on a Cluster: there, one GET per flag (sent together).
    const values = isCluster(conn) ? await Promise.all(keys.map((k) => conn.get(k))) : await conn.mget(...keys);
    return values.map((v) => phpTruthy(v));
  }

  async forever(name: string, value: true | number): Promise<void> {
    await (await this.conn()).set(this.key(name), value === true ? 'b:1;' : String(value));
  }

  async forget(name: string): Promise<boolean> {
    return (await (await this.conn()).del(this.key(name))) > 0;
  }

  where(): string {
    return `cache db ${this.opts.db}, prefix "${this.opts.prefix}"`;
  }

  async close(): Promise<void> {
    if (this.owned) (await this.client?.catch(() => undefined))?.disconnect();
  }

  /** The queue connection itself when it is on the cache's database, else a second client (one, even when asked concurrently). */
  private conn(): Promise<RedisClient> {
    this.client ??= this.open();
    return this.client;
  }

  private async open(): Promise<RedisClient> {
    // A Cluster has database 0 only: the cache store is on the cluster itself.
    if (isCluster(this.redis)) return this.redis;
    if ((this.redis.options.db ?? 0) === this.opts.db) return this.redis;
    const c = this.redis.duplicate({ db: this.opts.db, lazyConnect: true });
    c.on('error', () => undefined); // surfaced by the failing command itself
    this.owned = true;
    try {
      await c.connect();
    } catch (err) {
      this.client = undefined; // try again next time
      c.disconnect();
      throw err;
    }
    return c;
  }
}

/** PHP truthiness of a value stored by Laravel's RedisStore (serialized unless numeric). */
export function phpTruthy(stored: string | null): boolean {
  if (stored === null) return false;
  if (/^-?\d+(\.\d+)?$/.test(stored)) return Number(stored) !== 0;
  if (stored === 'N;' || stored === 'b:0;' || stored === 'i:0;' || stored === 'd:0;') return false;
  const s = /^s:\d+:"(.*)";$/s.exec(stored);
  if (s) return s[1] !== '' && s[1] !== '0';
  if (stored === 'a:0:{}') return false;
  return true;
}
