// What Sidekiq finished since the last reading: `stat:processed` and `stat:failed`, the counters
// Sidekiq's own Dashboard shows. Sidekiq (6.x OSS) counts system-wide only, every attempt: a job
// that fails, retries and succeeds counts one failure and two processed. So the reading is for the
// whole system on the connection, and per queue the figures are unknown (said so, never split).
import type { FlowReading } from '../../core/signals/flow';
import type { RedisClient } from '../redis-client';
import type { SidekiqKeys } from './sidekiq-keys';

/** Sidekiq adds its processed and failed counts to Redis at each heartbeat (Launcher::BEAT_PAUSE). */
const SIDEKIQ_BEAT_MS = 5000;

export const SIDEKIQ_FLOW_SOURCE = 'Sidekiq stat:processed / stat:failed (every attempt, system-wide)';

export class SidekiqFlow {
  private last: { processed: number; failed: number } | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: SidekiqKeys,
    private readonly connection: string,
  ) {}

  /** One reading for the whole system: per queue the engine says the count is system-wide. */
  async read(): Promise<FlowReading[]> {
    const [processed, failed] = (await this.redis.mget(`${this.keys.prefix}stat:processed`, `${this.keys.prefix}stat:failed`)).map((v) => Number(v ?? 0) || 0);
    const scope = { kind: 'system' as const, system: 'sidekiq' as const, connection: this.connection };
    const prev = this.last;
    this.last = { processed, failed };
    // A reset (stats cleared with Sidekiq::Stats#reset) starts the count again.
    if (!prev || processed < prev.processed || failed < prev.failed) return [{ scope, source: SIDEKIQ_FLOW_SOURCE, kind: 'baseline' }];
    const dFailed = failed - prev.failed;
    const dProcessed = processed - prev.processed;
    return [{ scope, source: SIDEKIQ_FLOW_SOURCE, kind: 'delta', counts: { completed: Math.max(0, dProcessed - dFailed), failed: dFailed, runtimesMs: [] }, batchedEveryMs: SIDEKIQ_BEAT_MS }];
  }
}
