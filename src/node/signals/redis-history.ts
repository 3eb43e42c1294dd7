// Optional history in Redis (signals.history.redis): each series is a stream under
// <keyPrefix>history:<series>, one entry per flush (every 10 s) holding that interval's 1 s points,
// trimmed by time (XADD MINID) to the retention. Another supervisor or editor on the same Redis
// reads it back, and so does this one after a restart. Queue series are shared by name; host and
// worker series carry the supervisor id, since they describe one machine. Written only to the
// default connection (the control plane's Redis), never to a read-only connection.
import type Redis from 'ioredis';
import type { SignalsEngine } from '../../core/signals/signals-engine';

export const HISTORY_FLUSH_MS = 10_000;
/** How much history is read back into memory for a series (the 1 s tier holds an hour). */
const RESTORE_MS = 3_600_000;

export class RedisHistory {
  private lastFlush = 0;
  private readonly restored = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly owner: string,
    private readonly retentionMs: number,
  ) {}

  key(series: string): string {
    const owned = /^(host|worker|pool):/.test(series) ? `${this.owner}/${series}` : series;
    return `${this.keyPrefix}history:${owned}`;
  }

  /** Called after each tick: restores new series once, and writes the points since the last flush every 10 s. */
  async afterTick(engine: SignalsEngine, now: number): Promise<void> {
    const names = engine.seriesNames();
    const fresh = names.filter((n) => !this.restored.has(n));
    if (fresh.length) await this.restore(engine, fresh, now);
    if (now - this.lastFlush < HISTORY_FLUSH_MS) return;
    const since = this.lastFlush || now - HISTORY_FLUSH_MS;
    this.lastFlush = now;
    const pipe = this.redis.pipeline();
    let n = 0;
    for (const s of names) {
      const pts = engine.history(s, since + 1, now, 100)?.points ?? [];
      if (pts.length === 0) continue;
      const packed = pts.map((p) => `${p.t}:${+p.avg.toPrecision(7)}`).join(',');
      pipe.xadd(this.key(s), 'MINID', '~', String(now - this.retentionMs), `${pts[pts.length - 1].t}-*`, 'p', packed);
      n++;
    }
    if (n) await pipe.exec();
  }

  /** Reads back the history of the series the engine knows, without writing anything (the CLI). */
  async afterTickRestoreOnly(engine: SignalsEngine, now: number): Promise<void> {
    const fresh = engine.seriesNames().filter((n) => !this.restored.has(n));
    if (fresh.length) await this.restore(engine, fresh, now);
  }

  private async restore(engine: SignalsEngine, series: string[], now: number): Promise<void> {
    for (const s of series) this.restored.add(s);
    const pipe = this.redis.pipeline();
    for (const s of series) pipe.xrange(this.key(s), String(now - Math.min(RESTORE_MS, this.retentionMs)), '+');
    const res = (await pipe.exec()) ?? [];
    series.forEach((s, i) => {
      const [err, entries] = res[i];
      if (err || !Array.isArray(entries)) return;
      const points: { t: number; v: number }[] = [];
      for (const [, fields] of entries as [string, string[]][]) {
        const packed = fields[fields.indexOf('p') + 1] ?? '';
        for (const pair of packed.split(',')) {
          const [t, v] = pair.split(':').map(Number);
          if (Number.isFinite(t) && Number.isFinite(v) && t < now) points.push({ t, v });
        }
      }
      if (points.length) engine.restore(s, points);
    });
  }
}
