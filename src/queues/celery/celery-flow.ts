// What Celery finished since the last reading. Celery keeps no counter in Redis: what finished is
// told by its events on the `celeryev` fanout, which this listens to. With task events (workers
// started with -E, or worker_send_task_events) every success and failure is counted, with its
// runtime; without them the worker heartbeats still carry each worker's `processed` total, so
// throughput is known and failures are not. Neither names the queue: the reading is system-wide.
import type { FlowReading } from '../../core/signals/flow';
import type { CeleryControl } from './celery-control';

/** A Celery worker sends a heartbeat, with its processed total, every 2 s (event heartbeat). */
const CELERY_BEAT_MS = 2000;

export const CELERY_EVENTS_SOURCE = 'Celery task events';
export const CELERY_HEARTBEATS_SOURCE = 'Celery worker heartbeats (processed; failures need task events: start workers with -E)';

export class CeleryFlow {
  private last: { events: number; succeeded: number; failed: number; runtimes: number } | undefined;
  private readonly processed = new Map<string, number>();

  constructor(
    private readonly control: CeleryControl,
    private readonly connection: string,
  ) {}

  /** One reading for the whole system (its events do not name the queue). */
  async read(): Promise<FlowReading[]> {
    await this.control.listen();
    const scope = { kind: 'system' as const, system: 'celery' as const, connection: this.connection };
    const t = this.control.tasks;
    const prev = this.last;
    this.last = { events: t.events, succeeded: t.succeeded, failed: t.failed, runtimes: t.runtimeTotal };
    // Heartbeats: the growth of each live worker's total (a new worker starts its own baseline).
    let fromBeats = 0;
    let anyBeat = false;
    for (const [host, h] of this.control.heartbeats) {
      if (h.processed === undefined) continue;
      anyBeat = true;
      const before = this.processed.get(host);
      if (before !== undefined && h.processed >= before) fromBeats += h.processed - before;
      this.processed.set(host, h.processed);
    }
    if (!prev) return [{ scope, source: CELERY_EVENTS_SOURCE, kind: 'baseline' }];
    if (t.events > 0) {
      const fresh = Math.min(t.runtimeTotal - prev.runtimes, t.runtimesMs.length);
      const runtimesMs = fresh > 0 ? t.runtimesMs.slice(-fresh) : [];
      return [{ scope, source: CELERY_EVENTS_SOURCE, kind: 'delta', counts: { completed: t.succeeded - prev.succeeded, failed: t.failed - prev.failed, runtimesMs } }];
    }
    if (anyBeat) return [{ scope, source: CELERY_HEARTBEATS_SOURCE, kind: 'delta', counts: { completed: fromBeats, failed: null, runtimesMs: [] }, batchedEveryMs: CELERY_BEAT_MS }];
    return [{ scope, kind: 'unknown', why: 'no Celery worker has sent a heartbeat or a task event here yet' }];
  }
}
