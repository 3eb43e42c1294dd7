// Queue observations for the signals engine: the counts of every queue of every connection (one
// round trip per adapter), consumers from the system's registry (refreshed every 10 s, never per
// tick) merged with the pools Chaperone supervises, and tenants read from sampled payloads.
import { queueKey } from '../../core/queue-ref';
import { explainError } from '../redis-connection';
import type { QueueObservation } from '../../core/signals/observations';
import type { TenantSample } from '../../core/signals/tenant-shares';
import type { FlowReading, QueueAdapter, QueueCounts, QueueRef, WorkersResult } from '../../queues/contract';
import type { RedisClient } from '../../queues/redis-client';
import type { QueueService } from '../../queues/queue-service';

const WORKERS_EVERY_MS = 10_000;
/** How long a tick waits for a connection that is still connecting. */
const CONNECT_WAIT_MS = 2000;
const TENANT_EVERY_MS = 30_000;
/** Payload sampling for tenants: at most this many queues per tick, a few jobs each. */
const TENANT_QUEUES_PER_TICK = 10;
/** Jobs read per queue for its tenant split: all of a queue up to this size, else this many. */
const TENANT_SAMPLE = 400;

/** Where an observation goes as it arrives, a system of a connection at a time. */
export interface ObservationSink {
  /** What finished, per adapter: given before that adapter's queues. */
  flows(readings: readonly FlowReading[]): void;
  /** An adapter's queues, as their counts arrive. */
  queues(observed: readonly QueueObservation[]): void;
}

export class QueueObserver {
  private readonly registry = new Map<QueueAdapter, { at: number; perQueue: Map<string, number> | undefined; result: WorkersResult }>();
  /** Registry readings under way (one per adapter at a time). */
  private readonly refreshing = new Map<QueueAdapter, Promise<Map<string, number> | undefined>>();
  private readonly tenants = new Map<string, { at: number; sample?: TenantSample }>();
  /**
   * Each queue's key, made once per ref (discovery keeps a queue's ref from one reading to the
   * next): the engine finds its state by this key a few times a tick, and the same string object
   * compares at once where a string made anew each tick is hashed and compared character by character.
   */
  private readonly keys = new WeakMap<QueueRef, string>();
  /** The last error per connection/system, for the status line (cleared on success). */
  readonly errors = new Map<string, string>();

  constructor(
    private readonly service: QueueService,
    /** Running supervised workers per queue id on the default connection. */
    private readonly supervised: () => Map<string, number>,
    private readonly tenantField?: string,
  ) {}

  /**
   * Every queue of every connection. With a sink, each system's queues are handed over as their
   * counts arrive (after that system's flows), so the signals tick works on them while other
   * connections and systems are still being counted; the result holds them all the same.
   */
  async observe(now: number, sink?: ObservationSink): Promise<{ queues: QueueObservation[]; flows: FlowReading[] }> {
    const supervised = this.supervised();
    const flows: FlowReading[] = [];
    // A connection still connecting (the first tick after a start or a reload) is waited for a
    // moment: an empty reading would show "0 queued" where the queues are full.
    await Promise.all(this.service.connections.map((c) => whenReady(c.redis, CONNECT_WAIT_MS)));
    const all = await Promise.all(this.service.connections.flatMap((c) => c.adapters.map(async (a) => {
      const where = `${c.config.name}/${a.system}`;
      try {
        const refs = await a.discover();
        if (refs.length === 0) {
          this.errors.delete(where); // reached, and empty: not an error
          return [];
        }
        // The counts of an adapter that reads them in several calls arrive a call at a time: each
        // part goes to the sink as it comes (the tick works on it while Redis reads the rest), once
        // the registry and the flows it is observed with are in; parts before that wait for them.
        // Once this adapter's reading has failed, what its other calls still bring goes nowhere:
        // the tick has gone on without it.
        const observed: QueueObservation[] = [];
        let registry: Map<string, number> | undefined;
        let ready = false;
        let streamed = false;
        let failed = false;
        const held: (readonly QueueCounts[])[] = [];
        const take = (part: readonly QueueCounts[]) => {
          const obs = part.map((q) => this.observation(c.config.name, q, supervised, registry));
          observed.push(...obs);
          sink?.queues(obs);
        };
        try {
          const [counts] = await Promise.all([
            a.counts(refs, now, (part) => {
              streamed = true;
              if (failed) return;
              if (ready) take(part);
              else held.push(part);
            }),
            Promise.all([this.consumers(a, now), this.flow(a, refs, now)]).then(([reg, flow]) => {
              if (failed) return;
              registry = reg;
              flows.push(...flow);
              sink?.flows(flow);
              ready = true;
              for (const part of held.splice(0)) take(part);
            }),
          ]);
          if (!streamed) take(counts);
        } catch (err) {
          failed = true;
          throw err;
        }
        this.errors.delete(where);
        return observed;
      } catch (err) {
        this.errors.set(where, explainError(c.redis, err));
        return [];
      }
    })));
    const flat = all.flat();
    if (this.tenantField) void this.sampleTenants(flat, now);
    return { queues: flat, flows };
  }

  private observation(connection: string, q: QueueCounts, supervised: Map<string, number>, registry: Map<string, number> | undefined): QueueObservation {
    const own = connection === 'default' ? supervised.get(q.queue.id) : undefined;
    const theirs = registry?.get(q.queue.id);
    const consumers = own === undefined && theirs === undefined ? (registry ? 0 : null) : Math.max(own ?? 0, theirs ?? 0);
    let key = this.keys.get(q.queue);
    if (key === undefined) this.keys.set(q.queue, (key = queueKey(q.queue)));
    return new QueueReading(q, key, connection, consumers, this.tenantField ? this.tenants.get(key)?.sample : undefined);
  }

  /** What finished, from the system's own records; a failure to read it leaves the figures unknown (the counts still count). */
  private async flow(a: QueueAdapter, refs: readonly QueueRef[], now: number): Promise<FlowReading[]> {
    try {
      return await a.flow(refs, now);
    } catch (err) {
      const why = `reading what finished failed: ${err instanceof Error ? err.message : String(err)}`;
      return refs.map((ref) => ({ scope: { kind: 'queue', ref }, kind: 'unknown', why }));
    }
  }

  /**
   * Consumers per queue id from the system's own registry; undefined when it keeps none. Only the
   * first reading is waited for (a one-shot `check` needs it); after that a due refresh runs in the
   * background and the tick goes on with the last reading, so a slow registry (a Celery ping that
   * waits for its replies) never holds the counts back.
   */
  private async consumers(a: QueueAdapter, now: number): Promise<Map<string, number> | undefined> {
    if (!a.capabilities.has('workers')) return undefined;
    const cached = this.registry.get(a);
    if (cached && now - cached.at < WORKERS_EVERY_MS) return cached.perQueue;
    let refresh = this.refreshing.get(a);
    if (!refresh) {
      refresh = a.workers().then((result) => {
        const perQueue = consumersPerQueue(result);
        this.registry.set(a, { at: now, perQueue, result });
        return perQueue;
      }).finally(() => this.refreshing.delete(a));
      this.refreshing.set(a, refresh);
      // A failed refresh in the background keeps the last reading; the next due tick tries again.
      if (cached) refresh.catch(() => { cached.at = now; });
    }
    return cached ? cached.perQueue : refresh;
  }

  /** The workers each system registered at its last reading (every 10 s while sampling): no call of its own. */
  registered(): { system: QueueAdapter['system']; connection: string; result: WorkersResult }[] {
    return [...this.registry].map(([a, r]) => ({ system: a.system, connection: a.connection, result: r.result }));
  }

  /**
   * The tenant field's values among a queue's pending jobs, every 30 s: every job where the queue
   * holds at most TENANT_SAMPLE of them (exact), else the first TENANT_SAMPLE the system lists (a
   * sample, whose error the engine states; the same jobs at each refresh while the queue stands still). A few queues per tick; a failed read keeps the last sample.
   */
  private async sampleTenants(queues: QueueObservation[], now: number): Promise<void> {
    const field = this.tenantField as string;
    const due = queues.filter((q) => q.pending > 0 && now - (this.tenants.get(q.key)?.at ?? -Infinity) >= TENANT_EVERY_MS).slice(0, TENANT_QUEUES_PER_TICK);
    for (const q of due) this.tenants.set(q.key, { at: now, sample: this.tenants.get(q.key)?.sample });
    await Promise.all(due.map(async (q) => {
      const a = this.service.connections.find((c) => c.config.name === q.connection)?.adapters.find((x) => x.system === q.ref.system);
      if (!a) return;
      try {
        const jobs = await a.list(q.ref, 'pending', TENANT_SAMPLE, now);
        const counts: Record<string, number> = {};
        for (const j of jobs) {
          const v = j.fields?.[field];
          if (v !== undefined) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
        }
        const all = jobs.length >= q.pending;
        this.tenants.set(q.key, { at: now, sample: { counts, sampled: jobs.length, ofPending: Math.max(q.pending, jobs.length), which: all ? 'every pending job' : `${jobs.length} pending jobs as the system lists them` } });
      } catch {
        // keep the last sample
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

/** Resolves when the client is ready, or after `ms` (the reading then fails and says why). */
function whenReady(redis: RedisClient, ms: number): Promise<void> {
  if (redis.status === 'ready' || redis.status === 'end' || redis.status === 'close') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done);
  });
}

/**
 * A queue's observation. A class, not an object literal: the engine keeps each for a tick, and V8
 * moves literals made that way to the old generation (see QueueSignalOf). One shape for every queue.
 */
class QueueReading implements QueueObservation {
  readonly ref: QueueRef;
  readonly id: string;
  readonly pending: number;
  readonly delayed: number;
  readonly active: number;
  readonly failed: number;
  readonly oldestAgeMs: number | null;
  readonly runtimeMs: number | null;
  readonly paused: boolean;

  constructor(
    q: QueueCounts,
    readonly key: string,
    readonly connection: string,
    readonly consumers: number | null,
    readonly tenantSample: TenantSample | undefined,
  ) {
    this.ref = q.queue;
    this.id = q.queue.id;
    this.pending = q.counts.pending;
    this.delayed = q.counts.delayed;
    this.active = q.counts.active;
    this.failed = q.counts.failed;
    this.oldestAgeMs = q.oldestPendingAgeMs;
    this.runtimeMs = q.runtimeMs;
    this.paused = q.paused;
  }
}
