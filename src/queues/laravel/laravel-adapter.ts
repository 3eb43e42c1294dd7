// Laravel (Illuminate Queue, redis driver). Failed jobs live in Laravel's failed-job store (a
// database), not in Redis, so retry is offered only where Horizon keeps them (horizon.ts); a running
// job cannot be stopped through Redis (only by stopping its worker). No worker registry either: live
// workers are the processes Chaperone supervises, plus Horizon's supervisors when Horizon runs.
// Pause (12.40+) and queue:restart are flags in Laravel's cache store (see laravel-cache.ts).
import { groupByNode, scanAll, type RedisClient } from '../redis-client';
import { done, notFound, queueRef, ScriptRows, preview, refused, scalarFields, taken, type ActionResult, type Capability, type CountsPart, type JobDetail, type JobState, type JobSummary, type QueueAdapter, type QueueCounts, type QueueRef, type WorkersResult } from '../contract';
import { chunkedAfter, QueueDiscovery } from '../queue-discovery';
import { Horizon } from './horizon';
import { HorizonKeys } from './horizon-keys';
import { HorizonFlow } from './horizon-flow';
import type { FlowReading } from '../../core/signals/flow';
import { LaravelCache, type LaravelCacheOptions } from './laravel-cache';
import { LaravelKeys } from './laravel-keys';
import { LARAVEL_CANCEL_LUA, LARAVEL_CLEAR_LUA, LARAVEL_COUNTS_CHUNK, LARAVEL_COUNTS_FIRST_CHUNK, LARAVEL_COUNTS_LUA, LARAVEL_PROMOTE_LUA } from './laravel-scripts';
import { LuaScript, runEach } from '../lua-script';
import { isJob, laravelJobDetail, type LaravelFound } from './laravel-job';
import { findMember, searchSources, type SearchPage, type SearchQuery, type SearchSource } from '../job-search';

const LARAVEL_CANCEL = new LuaScript(LARAVEL_CANCEL_LUA);
const LARAVEL_COUNTS = new LuaScript(LARAVEL_COUNTS_LUA, { crossSlot: true });
const LARAVEL_PROMOTE = new LuaScript(LARAVEL_PROMOTE_LUA);
const LARAVEL_CLEAR = new LuaScript(LARAVEL_CLEAR_LUA);


interface LaravelPayload {
  id?: string;
  uuid?: string;
  displayName?: string;
  job?: string;
  attempts?: number;
  maxTries?: number | null;
  timeout?: number | null;
  pushedAt?: string | number;
  createdAt?: number;
  data?: unknown;
}

export interface LaravelOptions {
  prefix?: string;
  /** The Laravel queue connection name (config/queue.php). */
  queueConnection?: string;
  cache?: LaravelCacheOptions;
  /** Laravel Horizon's key prefix (HORIZON_PREFIX); its keys are read when they exist. */
  horizonPrefix?: string;
}

const RESTART_FLAG = 'illuminate:queue:restart';
const PAUSE_FLAGS_EVERY_MS = 5000;
/**
 * A queue whose oldest job records no enqueue time (Laravel before 12.11, without Horizon) has its
 * oldest job read again only this often: its wait is unknown meanwhile, as it was. Reading the
 * head of a thousand such queues every tick was a third of Redis's time for their counts.
 */
const STAMPLESS_RECHECK_MS = 5000;

export class LaravelAdapter implements QueueAdapter {
  readonly system = 'laravel' as const;
  private readonly keys: LaravelKeys;
  private readonly horizon: Horizon;
  private readonly horizonFlow: HorizonFlow;
  private readonly base: ReadonlySet<Capability>;
  private readonly withHorizon: ReadonlySet<Capability>;
  private horizonSeen = false;
  private flagCache: { at: number; queues: readonly QueueRef[]; pausedOf: ReadonlyMap<string, boolean> } | undefined;
  /** Per queue name: until when its oldest job is not read again (it had no enqueue time). */
  private readonly stampless = new Map<string, number>();
  private readonly discovery: QueueDiscovery;
  private readonly cache: LaravelCache;
  private readonly queueConnection: string;

  constructor(
    readonly connection: string,
    private readonly redis: RedisClient,
    opts: LaravelOptions = {},
  ) {
    this.keys = new LaravelKeys(opts.prefix ?? 'laravel_database_');
    this.cache = new LaravelCache(redis, opts.cache ?? { prefix: 'laravel_database_laravel_cache_:', db: 1 });
    this.queueConnection = opts.queueConnection ?? 'redis';
    const horizonKeys = new HorizonKeys(opts.horizonPrefix ?? 'laravel_horizon:');
    this.horizon = new Horizon(redis, horizonKeys, this.keys, this.queueConnection);
    // The queues with keys of their own, and under Horizon those it has records of.
    this.discovery = new QueueDiscovery('laravel', connection, async (now) => {
      const [keys, horizon] = await Promise.all([scanAll(redis, this.keys.pattern()), this.horizon.queueNames(now)]);
      return [...keys.map((k) => this.keys.queueFromKey(k)).filter((n): n is string => !!n), ...horizon];
    });
    this.horizonFlow = new HorizonFlow(redis, horizonKeys);
    const writes: Capability[] = ['cancel-pending', 'cancel-delayed', 'promote-delayed', 'pause', 'resume', 'restart-workers', 'purge'];
    this.base = new Set<Capability>(writes);
    // Horizon keeps what plain Laravel does not put in Redis: failed jobs (so retry) and a worker registry.
    this.withHorizon = new Set<Capability>([...writes, 'workers', 'retry-failed', 'delete-failed']);
  }

  /** What the system offers here: more when Horizon runs against this Redis (known after discover()). */
  get capabilities(): ReadonlySet<Capability> {
    return this.horizonSeen ? this.withHorizon : this.base;
  }

  async discover(force = false): Promise<QueueRef[]> {
    const [refs] = await Promise.all([this.discovery.discover(force), this.hasHorizon()]);
    return refs;
  }

  private async hasHorizon(): Promise<boolean> {
    this.horizonSeen = await this.horizon.present();
    return this.horizonSeen;
  }

  /**
   * Chunks of queues, each on one node (a single group on one server): the first small, the others
   * of 100. Each script call is routed by its first queue's key, sent as soon as it is built and
   * read as soon as its reply is in (runEach), its counts handed to `part` then; the cache flags
   * and Horizon's metrics go out beside them. No call waits on another's reply: one round trip.
   */
  async counts(queues: readonly QueueRef[], now: number, part?: CountsPart): Promise<QueueCounts[]> {
    if (queues.length === 0) return [];
    const anchor = (q: QueueRef) => this.keys.pending(q.name);
    const chunks = groupByNode(this.redis, queues, anchor).flatMap((g) => chunkedAfter(g, LARAVEL_COUNTS_FIRST_CHUNK, LARAVEL_COUNTS_CHUNK));
    // Queues that are gone leave their entries: dropped once they have expired.
    if (this.stampless.size > 2 * queues.length + LARAVEL_COUNTS_CHUNK) for (const [name, until] of this.stampless) if (until <= now) this.stampless.delete(name);
    const shared = this.sharedCounts(queues, now);
    // Awaited by each call's reply; should every call fail, its own failure is not left unheard.
    shared.catch(() => undefined);
    const parts = await runEach(
      this.redis,
      LARAVEL_COUNTS,
      chunks,
      (c) => [1, [anchor(c[0]), this.keys.prefix, String(now), this.headReads(c, now), ...c.map((q) => q.name)]],
      async (c, joined) => {
        const counts = this.countsOf(c, String(joined), await shared, now);
        part?.(counts);
        return counts;
      },
    );
    return parts.flat();
  }

  /**
   * A chunk's counts from its rows, with the pause flags and, under Horizon, failed jobs and
   * metrics. The queues whose oldest job has no enqueue time are noted (read again later, not every
   * tick). Read straight from the reply: nothing is made per queue but its counts.
   */
  private countsOf(chunk: readonly QueueRef[], joined: string, { pausedOf, metrics, failed }: Awaited<ReturnType<LaravelAdapter['sharedCounts']>>, now: number): QueueCounts[] {
    const rows = new ScriptRows(joined);
    const row = [0, 0, 0, 0];
    return chunk.map((queue) => {
      // pending, delayed, reserved, age of the oldest (-1: no enqueue time or nothing pending, -2: not read).
      rows.next(row);
      const pending = row[0];
      const reserved = row[2];
      const age = row[3];
      if (pending > 0 && age === -1) {
        if (!this.stampless.has(queue.name)) this.stampless.set(queue.name, now + STAMPLESS_RECHECK_MS);
      } else if (age !== -2) this.stampless.delete(queue.name);
      const m = metrics?.get(queue.name);
      // Without Horizon failed jobs are not in Redis (Laravel's failed-job store): 0, not "unknown".
      const counts: QueueCounts['counts'] = { pending, delayed: row[1], active: reserved, failed: failed?.get(queue.name) ?? 0, reserved };
      if (m) counts.throughput = m.throughput;
      return { queue, counts, oldestPendingAgeMs: age >= 0 ? age : null, runtimeMs: m?.runtimeMs ?? null, paused: pausedOf.get(queue.name) ?? false };
    });
  }

  /** The counts script's head reads: '0' for a queue whose oldest job had no enqueue time a moment ago, '1' for the rest. */
  private headReads(queues: readonly QueueRef[], now: number): string {
    let flags = '';
    for (const q of queues) {
      const until = this.stampless.get(q.name);
      if (until !== undefined && until <= now) this.stampless.delete(q.name);
      flags += until !== undefined && until > now ? '0' : '1';
    }
    return flags;
  }

  /** What every queue's counts take besides its script's row: the pause flags (in the cache store, often another database) and Horizon's figures. */
  private async sharedCounts(queues: readonly QueueRef[], now: number) {
    const horizon = await this.hasHorizon();
    const [pausedOf, metrics, failed] = await Promise.all([
      this.pauseFlags(queues, now),
      horizon ? this.horizon.queueMetrics(queues) : undefined,
      horizon ? this.horizon.failedByQueue(now) : undefined, // recounted every 10 s
    ]);
    return { pausedOf, metrics, failed };
  }

  /** Horizon's records where Horizon runs; plain Laravel keeps nothing finished in Redis. */
  async flow(queues: readonly QueueRef[]): Promise<FlowReading[]> {
    if (await this.hasHorizon()) return this.horizonFlow.read(queues);
    return [{ scope: { kind: 'system', system: 'laravel', connection: this.connection }, kind: 'unknown', why: 'Laravel keeps nothing finished in Redis (Horizon is not running here)' }];
  }

  async list(queue: QueueRef, state: JobState, limit: number, now: number): Promise<JobSummary[]> {
    const n = Math.max(1, limit) - 1;
    let members: string[];
    if (state === 'pending') members = await this.redis.lrange(this.keys.pending(queue.name), 0, n);
    else if (state === 'delayed') members = await this.redis.zrange(this.keys.delayed(queue.name), '0', String(n));
    else if (state === 'active') members = await this.redis.zrange(this.keys.reserved(queue.name), '0', String(n));
    else if ((state === 'failed' || state === 'completed') && (await this.hasHorizon())) return this.horizon.list(queue, state, limit, now);
    else return []; // without Horizon, failed/completed jobs are not kept in Redis
    return members.map((m) => summarize(m, state, now));
  }

  /**
   * Pending oldest first (the order workers take them), delayed by when they run, reserved by when
   * their reservation ends; failed and completed from Horizon's records where Horizon runs (plain
   * Laravel keeps them in its database: nothing to search here).
   */
  async search(queue: QueueRef, state: JobState, query: SearchQuery, now: number): Promise<SearchPage> {
    if ((state === 'failed' || state === 'completed') && (await this.hasHorizon())) return this.horizon.search(queue, state, query, now);
    const source = this.sources(queue)[state];
    return searchSources(this.redis, source ? [source] : [], query, (hit) => {
      const row = summarize(hit.member, state, now);
      // The delayed set is scored by when the job becomes available (seconds).
      if (state === 'delayed' && hit.score !== null) row.runAt = Math.round(hit.score * 1000);
      return row;
    });
  }

  private sources(queue: QueueRef): Partial<Record<JobState, SearchSource>> {
    return {
      pending: { key: this.keys.pending(queue.name), kind: 'list', order: 'fwd', members: 'payload' },
      delayed: { key: this.keys.delayed(queue.name), kind: 'zset', order: 'fwd', members: 'payload' },
      active: { key: this.keys.reserved(queue.name), kind: 'zset', order: 'fwd', members: 'payload' },
    };
  }

  /**
   * One job by its id (or uuid): its payload from the queue's list or sorted sets (found by a
   * bounded search, as Laravel keys nothing by id), and Horizon's record of it where Horizon runs
   * (which also keeps failed and completed jobs).
   */
  async get(queue: QueueRef, jobId: string): Promise<JobDetail | undefined> {
    const [found, horizon] = await Promise.all([this.findPayload(queue, jobId), this.hasHorizon().then((h) => (h ? this.horizon.record(jobId) : undefined))]);
    return laravelJobDetail(queue, jobId, found, horizon && horizon.queue === queue.name ? horizon : undefined);
  }

  /** Laravel keys nothing by id; Horizon keeps a record per job that names its queue. */
  async locate(jobId: string): Promise<QueueRef[] | undefined> {
    if (!(await this.hasHorizon())) return undefined;
    const rec = await this.horizon.record(jobId);
    if (!rec?.queue) return [];
    return [(await this.discover()).find((r) => r.name === rec.queue) ?? queueRef('laravel', this.connection, rec.queue)];
  }

  /** The payload that is this job's, searched for in slices (a nested model's "id" is not taken for the job's). */
  private async findPayload(queue: QueueRef, jobId: string): Promise<LaravelFound | undefined> {
    const all = this.sources(queue);
    const text = JSON.stringify(jobId); // the quoted id: its "id" or its "uuid"
    for (const [state, source] of [['pending', all.pending], ['delayed', all.delayed], ['reserved', all.active]] as const) {
      if (!source) continue;
      const hit = await findMember(this.redis, [source], text, (m) => isJob(m, jobId));
      if (hit) return { state, payload: hit.member, score: hit.score };
    }
    return undefined;
  }

  async workers(queue?: QueueRef): Promise<WorkersResult> {
    if (await this.hasHorizon()) return { workers: await this.horizon.workers(Date.now(), queue) };
    return { unavailable: 'Laravel keeps no worker registry in Redis (Horizon does; none found): live workers are the ones Chaperone supervises' };
  }

  async cancel(queue: QueueRef, jobId: string): Promise<ActionResult> {
    const k = this.keys;
    const outcome = (await LARAVEL_CANCEL.run(this.redis, 4, k.pending(queue.name), k.delayed(queue.name), k.reserved(queue.name), k.notify(queue.name), jobId)) as string;
    switch (outcome) {
      case 'pending':
      case 'delayed':
        return done(`cancelled ${outcome} job ${jobId} of ${queue.id}`);
      case 'taken':
        return taken(`job ${jobId} of ${queue.id} is being processed: Laravel cannot stop a running job through Redis; restart the worker that runs it`);
      default:
        return notFound(`no job ${jobId} in ${queue.id} (pending, delayed or reserved)`);
    }
  }

  /**
   * What `php artisan queue:clear` does (Illuminate's own clear script): pending, delayed and
   * reserved jobs all go. A reserved job's worker still runs it; its delete or release finds nothing.
   */
  async purge(queue: QueueRef): Promise<ActionResult> {
    const k = this.keys;
    const [pending, delayed, reserved] = (await LARAVEL_CLEAR.run(this.redis, 4, k.pending(queue.name), k.delayed(queue.name), k.reserved(queue.name), k.notify(queue.name))) as number[];
    return done(`cleared ${queue.id} as queue:clear does: ${pending} pending, ${delayed} delayed and ${reserved} reserved job(s) deleted${reserved > 0 ? ' (running ones finish in their workers)' : ''}`);
  }

  /** Horizon's own forget (horizon:forget): the failed job leaves failed_jobs and its record goes. */
  async deleteFailed(queue: QueueRef, jobId: string): Promise<ActionResult> {
    if (!(await this.hasHorizon())) return refused(`Laravel keeps failed jobs in its failed-job store (database), not in Redis: use \`php artisan queue:forget\` for ${queue.id}`);
    return this.horizon.forget(queue, jobId);
  }

  async promote(queue: QueueRef, jobId: string): Promise<ActionResult> {
    const k = this.keys;
    const outcome = (await LARAVEL_PROMOTE.run(this.redis, 3, k.delayed(queue.name), k.pending(queue.name), k.notify(queue.name), jobId)) as string;
    return outcome === 'moved'
      ? done(`delayed job ${jobId} of ${queue.id} is pending now`)
      : notFound(`no delayed job ${jobId} in ${queue.id}`);
  }

  async retry(queue: QueueRef, jobId: string | { allFailed: true }): Promise<ActionResult> {
    if (await this.hasHorizon()) return typeof jobId === 'string' ? this.horizon.retry(queue, jobId, Date.now()) : this.horizon.retryAll(queue, Date.now());
    return refused(`Laravel keeps failed jobs in its failed-job store (database), not in Redis: use \`php artisan queue:retry\` for ${queue.id}`);
  }

  /**
   * The pause flags (the wildcard first), re-read at most every 5 s: they change rarely, and 1000
   * queues make a large MGET. Pausing or resuming through this adapter re-reads them at once.
   */
  private async pauseFlags(queues: readonly QueueRef[], now: number): Promise<ReadonlyMap<string, boolean>> {
    // The same queues (most often the very same list, from discovery) within the period: the last
    // reading, with nothing built for it (names of a thousand flags every tick cost the editor's loop).
    const c = this.flagCache;
    if (c && now - c.at < PAUSE_FLAGS_EVERY_MS && (c.queues === queues || (c.queues.length === queues.length && queues.every((q, i) => q.name === c.queues[i].name)))) return c.pausedOf;
    const values = await this.cache.flags([this.pausedFlag('*'), ...queues.map((q) => this.pausedFlag(q.name))]);
    const pausedOf = new Map(queues.map((q, i) => [q.name, values[0] || values[1 + i]]));
    this.flagCache = { at: now, queues, pausedOf };
    return pausedOf;
  }

  /** As `php artisan queue:pause redis:emails` (Laravel 12.40+): a flag in the default cache store. */
  async pause(queue: QueueRef): Promise<ActionResult> {
    await this.cache.forever(this.pausedFlag(queue.name), true);
    this.flagCache = undefined;
    return done(`paused ${queue.id}: set ${this.pausedFlag(queue.name)} (${this.cache.where()}); Laravel 12.40+ workers take no more of its jobs (older workers ignore the flag)`);
  }

  async resume(queue: QueueRef): Promise<ActionResult> {
    const [all] = await this.cache.flags([this.pausedFlag('*')]);
    const had = await this.cache.forget(this.pausedFlag(queue.name));
    this.flagCache = undefined;
    const note = all ? `; every queue of connection "${this.queueConnection}" stays paused by ${this.pausedFlag('*')}` : '';
    return done(`${had ? 'resumed' : 'was not paused:'} ${queue.id} (${this.cache.where()})${note}`);
  }

  /** As `php artisan queue:restart`: workers compare this timestamp after each job and exit when it changed. */
  async restartWorkers(): Promise<ActionResult> {
    const now = Math.floor(Date.now() / 1000);
    await this.cache.forever(RESTART_FLAG, now);
    return done(`set ${RESTART_FLAG} = ${now} (${this.cache.where()}): every Laravel worker using this cache exits after its current job, and its supervisor starts it again`);
  }

  async close(): Promise<void> {
    // The queue connection belongs to the caller; a separate cache connection is ours.
    await this.cache.close();
  }

  private pausedFlag(queue: string): string {
    return `illuminate:queue:paused:${this.queueConnection}:${queue}`;
  }
}

function summarize(member: string, state: JobState, now: number): JobSummary {
  let p: LaravelPayload = {};
  try {
    p = JSON.parse(member) as LaravelPayload;
  } catch {
    // an unreadable payload is still listed, by its text
  }
  const at = Number(p.pushedAt ?? p.createdAt);
  return {
    id: String(p.id ?? p.uuid ?? '?'),
    name: p.displayName ?? p.job ?? '?',
    state,
    attempts: p.attempts ?? 0,
    ageMs: Number.isFinite(at) && at > 0 ? Math.max(0, now - at * 1000) : null,
    preview: preview(JSON.stringify(p.data ?? member)),
    // Multi-tenancy packages add e.g. tenant_id at the top level of the payload.
    fields: scalarFields(p, ['job', 'data']),
  };
}
