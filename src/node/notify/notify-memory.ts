// What each notify channel was told is open, in the control plane's Redis: one hash per chaperone.json
// on this host (the supervisor's id may change between runs; the file and the host do not), a field
// per channel, kept a week. A restart of `supervise` then tells a channel only what changed.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type Redis from 'ioredis';
import type { NotifyMemory } from '../../core/notify/notifier';
import type { Finding } from '../../core/signals/findings';

const TTL_S = 7 * 86_400;

export class RedisNotifyMemory implements NotifyMemory {
  private readonly key: string;

  /** redis: the control plane's client, which exists once the engine has started. */
  constructor(private readonly redis: () => Redis | undefined, keyPrefix: string, configFile: string) {
    const id = createHash('sha256').update(`${os.hostname()}\0${path.resolve(configFile)}`).digest('hex').slice(0, 16);
    this.key = `${keyPrefix}notify:${id}`;
  }

  async load(): Promise<Record<string, Finding[]>> {
    const redis = await this.ready();
    const raw = await redis.hgetall(this.key);
    const out: Record<string, Finding[]> = {};
    for (const [channel, text] of Object.entries(raw)) {
      try {
        const list = JSON.parse(text) as unknown;
        // Written by an earlier run of this same config: still read field by field.
        if (Array.isArray(list)) out[channel] = list.filter((f): f is Finding => typeof f === 'object' && f !== null && typeof (f as Finding).key === 'string' && typeof (f as Finding).message === 'string');
      } catch {
        // an unreadable field: as if nothing was told
      }
    }
    return out;
  }

  save(channel: string, told: Finding[]): void {
    const slim = told.map(({ range: _range, related: _related, ...f }) => f);
    this.redis()
      ?.multi().hset(this.key, channel, JSON.stringify(slim)).expire(this.key, TTL_S).exec().catch(() => undefined);
  }

  /** The client once it is connected: the first message waits for it (5 s at most). */
  private async ready(): Promise<Redis> {
    const end = Date.now() + 5000;
    for (;;) {
      const r = this.redis();
      if (r?.status === 'ready') return r;
      if (Date.now() > end) throw new Error('the control plane\'s Redis is not connected');
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}
