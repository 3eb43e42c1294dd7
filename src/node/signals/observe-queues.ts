// Queue observations for the signals engine: the counts of every queue of every connection (one
// round trip per adapter), consumers from the system's registry (refreshed every 10 s, never per
// tick) merged with the pools Chaperone supervises, and tenants read from sampled payloads.
import { queueKey } from '../../core/queue-ref';
import { explainError } from '../redis-connection';
import type { QueueObservation } from '../../core/signals/observations';
import type { QueueAdapter, QueueRef, WorkersResult } from '../../queues/contract';
import type { QueueService } from '../../queues/queue-service';

const WORKERS_EVERY_MS = 10_000;
const TENANT_EVERY_MS = 30_000;
/** Payload sampling for tenants: at most this many queues per tick, a few jobs each. */
const TENANT_QUEUES_PER_TICK = 10;

export class QueueObserver {
  private readonly registry = new Map<QueueAdapter, { at: number; perQueue: Map<string, number> | undefined }>();
  private readonly tenants = new Map<string, { at: number; tenant?: string }>();
  /** The last error per connection/system, for the status line (cleared on success). */
  readonly errors = new Map<string, string>();

  constructor(
    private readonly service: QueueService,
    /** Running supervised workers per queue id on the default connection. */
    private readonly supervised: () => Map<string, number>,
    private readonly tenantField?: string,
  ) {}

  async observe(now: number): Promise<QueueObservation[]> {
    const supervised = this.supervised();
    const all = await Promise.all(this.service.connections.flatMap((c) => c.adapters.map(async (a) => {
      const where = `${c.config.name}/${a.system}`;
      try {
        const refs = await a.discover();
        if (refs.length === 0) {
          this.errors.delete(where); // reached, and empty: not an error
          return [];
        }
        const [counts, registry] = await Promise.all([a.counts(refs, now), this.consumers(a, now)]);
        this.errors.delete(where);
        return counts.map((q): QueueObservation => {
          const own = c.config.name === 'default' ? supervised.get(q.queue.id) : undefined;
          const theirs = registry?.get(q.queue.id);
          const consumers = own === undefined && theirs === undefined ? (registry ? 0 : null) : Math.max(own ?? 0, theirs ?? 0);
          const key = queueKey(q.queue);
          return {
            ref: q.queue, key, id: q.queue.id, connection: c.config.name,
            pending: q.counts.pending, delayed: q.counts.delayed, active: q.counts.active, failed: q.counts.failed,
            ...(q.counts.completed !== undefined ? { completed: q.counts.completed } : {}),
            ...(q.counts.throughput !== undefined ? { processed: q.counts.throughput } : {}),
            oldestAgeMs: q.oldestPendingAgeMs, runtimeMs: q.runtimeMs, consumers, paused: q.paused,
            tenant: this.tenants.get(key)?.tenant,
          };
        });
      } catch (err) {
        this.errors.set(where, explainError(c.redis, err));
        return [];
      }
    })));
    const flat = all.flat();
    if (this.tenantField) void this.sampleTenants(flat, now);
    return flat;
  }

  /** Consumers per queue id from the system's own registry; undefined when it keeps none. */
  private async consumers(a: QueueAdapter, now: number): Promise<Map<string, number> | undefined> {
    if (!a.capabilities.has('workers')) return undefined;
    const cached = this.registry.get(a);
    if (cached && now - cached.at < WORKERS_EVERY_MS) return cached.perQueue;
    const perQueue = consumersPerQueue(await a.workers());
    this.registry.set(a, { at: now, perQueue });
    return perQueue;
  }

  /** The most common value of the tenant field among a few pending jobs, per queue, every 30 s. */
  private async sampleTenants(queues: QueueObservation[], now: number): Promise<void> {
    const field = this.tenantField as string;
    const due = queues.filter((q) => q.pending > 0 && now - (this.tenants.get(q.key)?.at ?? -Infinity) >= TENANT_EVERY_MS).slice(0, TENANT_QUEUES_PER_TICK);
    for (const q of due) this.tenants.set(q.key, { at: now, tenant: this.tenants.get(q.key)?.tenant });
    await Promise.all(due.map(async (q) => {
      const h = this.service.connections.find((c) => c.config.name === q.connection);
      const a = h?.adapters.find((x) => q.id.startsWith(`${x.system}:`));
      if (!a) return;
      const ref: QueueRef = { system: a.system, connection: q.connection, name: q.id.slice(a.system.length + 1), id: q.id };
      try {
        const jobs = await a.list(ref, 'pending', 5, now);
        const votes = new Map<string, number>();
        for (const j of jobs) {
          const v = j.fields?.[field];
          if (v !== undefined) votes.set(String(v), (votes.get(String(v)) ?? 0) + 1);
        }
        const [best] = [...votes.entries()].sort((x, y) => y[1] - x[1]);
        if (best) this.tenants.set(q.key, { at: now, tenant: best[0] });
      } catch {
        // keep the last known tenant
      }
    }));
  }
}

/** Live consumers per queue id from a system's registry; undefined when it keeps none. */
export function consumersPerQueue(w: WorkersResult): Map<string, number> | undefined {
  if (!('workers' in w)) return undefined;
  const perQueue = new Map<string, number>();
  for (const x of w.workers) for (const q of x.queues ?? []) perQueue.set(q, (perQueue.get(q) ?? 0) + (x.processes ?? 1));
  return perQueue;
}
