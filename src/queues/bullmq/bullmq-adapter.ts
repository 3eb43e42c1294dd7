// BullMQ: raw reads (one round trip for all counts), every write through the bullmq library itself
// (its own Lua scripts, matched to the queue's meta.version major: 5 and 6 are bundled, see
// bullmq-libraries.ts); never a Worker, never an add.
import { BULLMQ_CLAIM_LUA } from './bullmq-cancel-script';
import { duplicateClient, groupByNode, type RedisClient } from '../redis-client';
import { done, jsonOrNull, notFound, preview, queueRef, refused, scalarFields, taken, type ActionResult, type JobDetail, type Capability, type CountsPart, type JobState, type JobSummary, type QueueAdapter, type QueueCounts, type QueueRef, type WorkersResult } from '../contract';
import { chunkedAfter, QueueDiscovery } from '../queue-discovery';
import { BULLMQ_COUNTS_CHUNK, BULLMQ_COUNTS_FIRST_CHUNK, BULLMQ_COUNTS_LUA, BULLMQ_COUNTS_MAX_EVENTS, BULLMQ_FULL_COUNT_EVERY_MS, BULLMQ_RUNTIME_CHECK_EVERY_MS, BULLMQ_RUNTIME_EVERY_MS } from './bullmq-counts-script';
import { BullmqKeys, nextStreamId } from './bullmq-keys';
import { BullmqFlow } from './bullmq-flow';
import type { FlowReading } from '../../core/signals/flow';
import { errorOf, numOrNull, TRACE_KEPT } from '../job-detail';
import { searchSources, type SearchHit, type SearchPage, type SearchQuery, type SearchSource } from '../job-search';
import { BUNDLED_MAJORS, NEWEST_MAJOR, majorOf, openQueue, type BullQueue } from './bullmq-libraries';
import { LuaScript, runEach } from '../lua-script';

const BULLMQ_CLAIM = new LuaScript(BULLMQ_CLAIM_LUA);
const BULLMQ_COUNTS = new LuaScript(BULLMQ_COUNTS_LUA, { crossSlot: true });

/** A failed job's options a replayed copy does not take: its id, its repeat, its parent, its delay (it runs now). */
const NOT_COPIED = new Set(['jobId', 'repeat', 'repeatJobKey', 'parent', 'delay', 'timestamp', 'prevMillis']);

export interface BullmqOptions {
  prefix?: string;
}

export class BullmqAdapter implements QueueAdapter {
  readonly system = 'bullmq' as const;
  readonly capabilities: ReadonlySet<Capability>;
  private readonly keys: BullmqKeys;
  /** One Queue object per queue name and bullmq major. */
  private readonly queues = new Map<string, BullQueue>();
  private readonly discovery: QueueDiscovery;
  /** Per queue: what is known of it between readings. */
  private readonly seen = new Map<string, Seen>();
  /** How each queue's counts were read (the benchmark and the tests tell the paths apart by it). */
  readonly readings = { full: 0, events: 0, again: 0, unchanged: 0 };
  /** Per queue: how many writes of ours that emit no event (the states they move are read again next). */
  private readonly writes = new Map<string, number>();
  /** Last measured average runtime per queue, when, and whether its completed jobs moved since. */
  private readonly runtimes = new Map<string, { at: number; ms: number | null; moved: boolean }>();
  private readonly flowReader: BullmqFlow;
  /** The connection bullmq's own Queue objects use (opened with the first of them). */
  private libraryRedis: RedisClient | undefined;

  constructor(
    readonly connection: string,
    private readonly redis: RedisClient,
    opts: BullmqOptions = {},
  ) {
    this.keys = new BullmqKeys(opts.prefix ?? 'bull');
    this.flowReader = new BullmqFlow(redis, this.keys);
    this.discovery = QueueDiscovery.scanning(redis, 'bullmq', connection, this.keys.metaPattern(), (k) => this.keys.queueFromMeta(k));
    const write: Capability[] = ['cancel-pending', 'cancel-delayed', 'mark-failed-active', 'retry-failed', 'replay-failed', 'promote-delayed', 'pause', 'resume', 'clean', 'purge', 'delete-failed'];
    this.capabilities = new Set<Capability>(['workers', ...write]);
  }

  discover(force = false): Promise<QueueRef[]> {
    return this.discovery.discover(force);
  }

  /**
   * A script call per chunk of queues (see bullmq-counts-script.ts), each sent as soon as it is
   * built and read as soon as its reply is in (runEach), its counts handed to `part` then: the
   * first chunk small, so that Redis starts at once, the others of 100. A queue is read from its
   * events since its cursor; now and then the states that change without an event are read again.
   */
  async counts(queues: readonly QueueRef[], now: number, part?: CountsPart): Promise<QueueCounts[]> {
    const anchor = (q: QueueRef) => this.keys.key(q.name, 'meta');
    const calls = groupByNode(this.redis, queues, anchor)
      .flatMap((g) => chunkedAfter(g, BULLMQ_COUNTS_FIRST_CHUNK, BULLMQ_COUNTS_CHUNK))
      .map((chunk) => ({ chunk, asked: [] as Asked[] }));
    const parts = await runEach(
      this.redis,
      BULLMQ_COUNTS,
      calls,
      (call) => {
        call.asked = call.chunk.map((q) => this.ask(q, now));
        return [1, [anchor(call.chunk[0]), ...this.scriptArgs(call.chunk, call.asked)]];
      },
      ({ chunk, asked }, joined) => {
        const rows = String(joined).split(';');
        const counts = chunk.map((queue, qi) => this.reading(queue, rows[qi] ?? '', now, asked[qi]));
        part?.(counts);
        return counts;
      },
    );
    return parts.flat();
  }

  /** What a reading asks of the script for one queue: from its cursor, the states that move silently again, its runtime. */
  private ask(queue: QueueRef, now: number): Asked {
    const known = this.seen.get(queue.name);
    // Followed from its cursor, unless it is counted in full for a while (or has no cursor yet).
    const seen = known && now >= known.busyUntil && known.eventId !== '' ? known : undefined;
    const again = seen !== undefined && now - seen.fullAt >= BULLMQ_FULL_COUNT_EVERY_MS;
    const last = this.runtimes.get(queue.name);
    const runtime = last === undefined || now - last.at >= (last.moved ? BULLMQ_RUNTIME_EVERY_MS : BULLMQ_RUNTIME_CHECK_EVERY_MS);
    // Our own writes that emit no event (a cancel's claim, Queue.drain) until the reply is in.
    return { seen, again, runtime, writes: this.writes.get(queue.name) ?? 0 };
  }

  /**
   * The counts script's arguments for a chunk (see bullmq-counts-script.ts): a character per queue,
   * the names of those counted in full, the streams read oldest first with their cursors, then
   * those read newest first (the last reading had new events), each with the first id after its
   * cursor.
   */
  private scriptArgs(chunk: readonly QueueRef[], asked: readonly Asked[]): string[] {
    let flags = '';
    const names: string[] = [];
    const quiet: string[] = [];
    const cursors: string[] = [];
    const busy: string[] = [];
    const bounds: string[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const { seen, again, runtime } = asked[i];
      flags += String.fromCharCode(48 + (seen ? 1 : 0) + (again ? 2 : 0) + (runtime ? 4 : 0) + (seen?.moving ? 8 : 0) + (seen?.values[8] === 1 ? 16 : 0));
      if (!seen) names.push(chunk[i].name);
      else if (seen.moving) {
        if (seen.after?.of !== seen.eventId) seen.after = { of: seen.eventId, id: nextStreamId(seen.eventId) };
        busy.push(seen.stream);
        bounds.push(seen.after.id);
      } else {
        quiet.push(seen.stream);
        cursors.push(seen.eventId);
      }
    }
    return [this.keys.prefix, String(BULLMQ_COUNTS_MAX_EVENTS), flags, String(names.length), String(quiet.length), ...names, ...quiet, ...cursors, ...busy, ...bounds];
  }

  /** One queue's row of the counts script, merged into what was known of it. */
  private reading(queue: QueueRef, row: string, now: number, asked: Asked): QueueCounts {
    let seen = this.seen.get(queue.name);
    if (seen && row === '=') {
      this.readings.unchanged++;
      seen.moving = false;
    } else if (seen && row[0] === '+') {
      this.readings.events++;
      seen.eventId = row.slice(1);
      seen.moving = true;
    } else {
      const f = row.split(',');
      if (f.length !== 12) throw new Error(`bullmq counts of ${queue.id}: unexpected reply "${row.slice(0, 80)}"`);
      if (f[8] !== '') {
        // A full count: the paused flag comes with it.
        // The first reading of a queue is dated back by a share of the period that depends on its
        // name, so that queues first seen together are not all read whole again at one tick.
        const fullAt = seen ? now : now - (nameHash(queue.name) % BULLMQ_FULL_COUNT_EVERY_MS);
        // A full count where its events were followed (too many of them, a gap, a pause): counted
        // in full a while, rather than reading many events first at every tick.
        const fellBack = asked.seen !== undefined;
        seen = { eventId: f[11], fullAt, busyUntil: fellBack ? now + BULLMQ_FULL_COUNT_EVERY_MS : 0, values: f.slice(0, 10).map(Number), stream: seen?.stream ?? this.keys.key(queue.name, 'events'), moving: false, after: undefined };
        this.seen.set(queue.name, seen);
        this.readings.full++;
      } else if (seen) {
        // The cursor field is empty where it did not move.
        const moved = f[11] !== '' || f.slice(0, 10).some((x) => x !== '');
        this.readings[asked.again ? 'again' : moved ? 'events' : 'unchanged']++;
        for (let i = 0; i < 10; i++) if (f[i] !== '') seen.values[i] = Number(f[i]);
        if (f[11] !== '') seen.eventId = f[11];
        seen.moving = f[11] !== '';
        if (asked.again) seen.fullAt = now;
      }
      if (asked.runtime && f[10] !== '') {
        const ms = Number(f[10]);
        // Like the full counts, the first measurement is dated back by a share of the period.
        const at = this.runtimes.has(queue.name) ? now : now - (nameHash(queue.name) % BULLMQ_RUNTIME_EVERY_MS);
        // Measured in the same script as the counts: whatever moved the completed jobs is in it.
        this.runtimes.set(queue.name, { at, ms: ms >= 0 ? ms : null, moved: false });
      } else if (f[5] !== '') {
        // The completed count was read again (events touched it, or a full count): the jobs the
        // average is of may have changed.
        const last = this.runtimes.get(queue.name);
        if (last) last.moved = true;
      }
    }
    if (!seen) throw new Error(`bullmq counts of ${queue.id}: no full count to build on`);
    // A write of ours that emits no event landed while this was read: those states are read again next.
    if ((this.writes.get(queue.name) ?? 0) !== asked.writes) seen.fullAt = -Infinity;
    const [wait, paused, active, prioritized, delayed, completed, failed, waitingChildren, isPaused, oldestTs] = seen.values;
    return {
      queue,
      // BullMQ 5 kept paused jobs in a 'paused' list (6 keeps them in wait): both are pending.
      counts: { pending: wait + paused, delayed, active, failed, prioritized, completed, 'waiting-children': waitingChildren },
      oldestPendingAgeMs: oldestTs >= 0 ? Math.max(0, now - oldestTs) : null,
      runtimeMs: this.runtimes.get(queue.name)?.ms ?? null,
      paused: isPaused === 1,
    };
  }

  /** After a write of ours that BullMQ's events do not show: the queue's next reading reads the states that move silently again. */
  private wroteSilently(queue: QueueRef): void {
    this.writes.set(queue.name, (this.writes.get(queue.name) ?? 0) + 1);
    const seen = this.seen.get(queue.name);
    if (seen) seen.fullAt = -Infinity;
  }

  flow(queues: readonly QueueRef[]): Promise<FlowReading[]> {
    return this.flowReader.read(queues);
  }

  /** The first jobs of a state, read raw (a job whose data is not JSON is listed as text, never failing the list). */
  async list(queue: QueueRef, state: JobState, limit: number, now: number): Promise<JobSummary[]> {
    return (await this.search(queue, state, { text: '', limit: Math.max(1, limit) }, now)).jobs;
  }

  /** Newest first where bullmq's own getJobs lists so (wait, active, completed, failed); delayed by when they run. */
  search(queue: QueueRef, state: JobState, query: SearchQuery, now: number): Promise<SearchPage> {
    const hash = { members: 'id' as const, hashPrefix: this.keys.base(queue.name), fields: SEARCH_FIELDS, matched: 3 };
    const list = (part: 'wait' | 'paused' | 'active'): SearchSource => ({ key: this.keys.key(queue.name, part), kind: 'list', order: 'fwd', ...hash });
    const zset = (part: 'delayed' | 'prioritized' | 'completed' | 'failed' | 'waiting-children', order: 'fwd' | 'rev'): SearchSource => ({ key: this.keys.key(queue.name, part), kind: 'zset', order, ...hash });
    const sources: Record<JobState, SearchSource[]> = {
      pending: [list('wait'), list('paused')], active: [list('active')], delayed: [zset('delayed', 'fwd')], prioritized: [zset('prioritized', 'fwd')],
      completed: [zset('completed', 'rev')], failed: [zset('failed', 'rev')], 'waiting-children': [zset('waiting-children', 'fwd')],
    };
    return searchSources(this.redis, sources[state], query, (hit) => summarizeHash(hit, state, now));
  }

  /** The job hash as bullmq wrote it, its logs and its state: three reads sent together. */
  async get(queue: QueueRef, jobId: string): Promise<JobDetail | undefined> {
    const key = this.keys.job(queue.name, jobId);
    const [h, logs, state] = await Promise.all([
      this.redis.hgetall(key),
      this.redis.lrange(`${key}:logs`, 0, -1),
      this.majorOf(queue).then((m) => this.queue(queue, m).getJobState(jobId)),
    ]);
    if (!h || Object.keys(h).length === 0) return undefined;
    const opts = jsonOrNull(h.opts ?? '{}');
    const options = opts && typeof opts === 'object' ? (opts as Record<string, unknown>) : {};
    const enqueued = numOrNull(h.timestamp);
    const delay = numOrNull(h.delay) ?? 0;
    const finished = numOrNull(h.finishedOn);
    // One stack per failed attempt, oldest first; the last is the latest failure.
    const traces = jsonOrNull(h.stacktrace ?? '[]');
    const stacks = Array.isArray(traces) ? traces.filter((t): t is string => typeof t === 'string') : [];
    const stack = stacks[stacks.length - 1] ?? '';
    const made = numOrNull(h.atm ?? h.attemptsMade) ?? 0;
    const detail: JobDetail = {
      id: jobId, name: h.name ?? '', queue, state: state === 'unknown' ? 'gone' : state,
      payload: { text: h.data ?? '', json: jsonOrNull(h.data ?? '') },
      options: { ...options, ...(h.parentKey ? { parent: h.parentKey } : {}) },
      timestamps: {
        enqueued, runAt: enqueued !== null && delay > 0 ? enqueued + delay : null, started: numOrNull(h.processedOn),
        finished: state === 'completed' ? finished : null, failed: state === 'failed' ? finished : null,
      },
      // BullMQ runs a job once whatever attempts below 1 says (its default is 1).
      attempts: { made, allowed: typeof options.attempts === 'number' ? Math.max(1, options.attempts) : 1 },
      error: h.failedReason || stack ? errorOf(stack, h.failedReason ?? null, false) : null,
      logs,
    };
    if (h.returnvalue !== undefined) detail.result = jsonOrNull(h.returnvalue) ?? h.returnvalue;
    if (h.progress !== undefined) detail.progress = jsonOrNull(h.progress) ?? h.progress;
    if (h.pb) detail.worker = h.pb; // processedBy: the worker's name (bullmq 5.x+)
    return detail;
  }

  /** BullMQ keys a job by queue and id: one EXISTS per queue, in one pipeline. */
  async locate(jobId: string): Promise<QueueRef[]> {
    const refs = await this.discover();
    const pipe = this.redis.pipeline();
    for (const r of refs) pipe.exists(this.keys.job(r.name, jobId));
    const res = (await pipe.exec()) ?? [];
    return refs.filter((_, i) => !res[i]?.[0] && Number(res[i]?.[1]) > 0);
  }

  async workers(queue?: QueueRef): Promise<WorkersResult> {
    const refs = queue ? [queue] : await this.discover();
    try {
      const lists = await Promise.all(refs.map(async (r) => ({ r, ws: await this.queue(r, NEWEST_MAJOR).getWorkers() })));
      return {
        // bullmq puts the queue's name in `name` (every worker of a queue has the same): the id is the
        // worker's own name where it has one (rawname "...:w:NAME"), and its Redis client id, unique.
        workers: lists.flatMap(({ r, ws }) => ws.map((w) => ({ id: bullWorkerId(w), source: 'bullmq CLIENT LIST', host: w.addr, queues: [r.id], detail: `age ${w.age ?? '?'}s idle ${w.idle ?? '?'}s` }))),
      };
    } catch (err) {
      return { unavailable: `this Redis refuses CLIENT LIST (${err instanceof Error ? err.message : String(err)}); BullMQ workers cannot be listed, only the ones Chaperone supervises` };
    }
  }

  async cancel(queue: QueueRef, jobId: string): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    const k = (part: 'wait' | 'paused' | 'prioritized' | 'delayed'): string => this.keys.key(queue.name, part);
    // One atomic step decides: out of the lists a worker pops from, or already someone else's.
    const claimed = (await BULLMQ_CLAIM.run(this.redis, 4, k('wait'), k('paused'), k('prioritized'), k('delayed'), jobId)) as string | null;
    if (claimed) this.wroteSilently(queue); // the claim itself emits no event
    if (!claimed) {
      const state = await q.getJobState(jobId);
      if (state === 'unknown') return notFound(`no job ${jobId} in ${queue.id} (finished and removed, or never there)`);
      if (state === 'active') {
        return taken(`job ${jobId} of ${queue.id} is being processed: BullMQ cannot stop a running handler from outside. "Mark failed" marks it failed while the handler keeps running; or restart the worker that owns it.`);
      }
      return taken(`job ${jobId} of ${queue.id} is ${state}; nothing to cancel`);
    }
    // No worker can reach it now; bullmq's own script deletes the job itself (hash, logs, links).
    try {
      await q.remove(jobId);
    } catch (err) {
      return done(`cancelled ${claimed} job ${jobId} of ${queue.id}; its data could not be deleted: ${err instanceof Error ? err.message : String(err)}`);
    }
    return done(`cancelled ${claimed} job ${jobId} of ${queue.id}`);
  }

  async retry(queue: QueueRef, jobId: string | { allFailed: true }): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    if (typeof jobId !== 'string') {
      const before = await q.getJobCountByTypes('failed');
      await q.retryJobs({ state: 'failed' });
      return done(`retrying ${before} failed job(s) of ${queue.id}`);
    }
    const job = await q.getJob(jobId);
    if (!job) return notFound(`no job ${jobId} in ${queue.id}`);
    const state = await q.getJobState(jobId);
    if (state !== 'failed') return refused(`job ${jobId} of ${queue.id} is ${state}, not failed`);
    await job.retry('failed');
    return done(`job ${jobId} of ${queue.id} moved back to waiting`);
  }

  async promote(queue: QueueRef, jobId: string): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    const job = await q.getJob(jobId);
    if (!job || (await q.getJobState(jobId)) !== 'delayed') return notFound(`no delayed job ${jobId} in ${queue.id}`);
    await job.promote();
    return done(`delayed job ${jobId} of ${queue.id} is waiting now`);
  }

  /**
   * "Mark failed": the running job is moved to failed through bullmq's own script, without the
   * worker's lock (token "0"). Its handler keeps running; when it ends, its worker finds the job
   * gone. The result says so.
   */
  async markFailed(queue: QueueRef, jobId: string, reason: string): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    const state = await q.getJobState(jobId);
    if (state === 'unknown') return notFound(`no job ${jobId} in ${queue.id}`);
    if (state !== 'active') return refused(`job ${jobId} of ${queue.id} is ${state}, not running: cancel or retry it instead`);
    const job = await q.getJob(jobId);
    if (!job) return notFound(`job ${jobId} of ${queue.id} vanished meanwhile`);
    try {
      await job.moveToFailed(new Error(reason), '0', false);
    } catch (err) {
      const now = await q.getJobState(jobId);
      if (now !== 'active') return taken(`job ${jobId} of ${queue.id} finished meanwhile (${now})`);
      throw err;
    }
    return done(`job ${jobId} of ${queue.id} marked failed ("${reason}"). Its handler was NOT stopped: BullMQ cannot stop a running handler from outside; restart its worker to stop it`);
  }

  async clean(queue: QueueRef, state: 'completed' | 'failed', graceMs: number, limit: number): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    const removed = await q.clean(graceMs, limit, state);
    return done(`removed ${removed.length} ${state} job(s) older than ${Math.round(graceMs / 1000)}s from ${queue.id}`);
  }

  /** Queue.remove() of a failed job (bullmq's own script: the hash, its logs, its links). */
  async deleteFailed(queue: QueueRef, jobId: string): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    const state = await q.getJobState(jobId);
    if (state === 'unknown') return notFound(`no job ${jobId} in ${queue.id}`);
    if (state !== 'failed') return refused(`job ${jobId} of ${queue.id} is ${state}, not failed: not deleted`);
    return (await q.remove(jobId)) ? done(`deleted failed job ${jobId} of ${queue.id}`) : taken(`job ${jobId} of ${queue.id} changed meanwhile (retried?): not deleted`);
  }

  /**
   * Queue.add (bullmq's own write) with the failed job's name, data and options, run now, as a new
   * job: no id of its own (bullmq gives one), no repeat, no parent (a copy is nobody's child). On
   * `to`, a queue that may not exist yet (a debug worker's): written with the failed job's bullmq.
   */
  async replay(queue: QueueRef, jobId: string, to?: string): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    const target = to === undefined ? undefined : queueRef('bullmq', queue.connection, to);
    const dest = target === undefined ? q : await this.writableTarget(target, queue);
    if (isResult(dest)) return dest;
    let job: Awaited<ReturnType<typeof q.getJob>>;
    try {
      job = await q.getJob(jobId);
    } catch (err) {
      return refused(`job ${jobId} of ${queue.id} cannot be read by bullmq (${err instanceof Error ? err.message : String(err)}): not replayed`);
    }
    if (!job) return notFound(`no job ${jobId} in ${queue.id}`);
    const state = await job.getState();
    if (state !== 'failed') return refused(`job ${jobId} of ${queue.id} is ${state}, not failed: not replayed`);
    const opts = Object.fromEntries(Object.entries(job.opts).filter(([k]) => !NOT_COPIED.has(k)));
    const copy = await dest.add(job.name, job.data, opts);
    return done(`replayed failed job ${jobId} of ${queue.id} as job ${copy.id ?? '?'}${target ? ` on ${target.id}` : ''} (the failed one stays)`);
  }

  /** Queue.drain(): the waiting (and paused, prioritized) jobs go; delayed, running and finished ones stay. */
  async purge(queue: QueueRef): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    // Counted raw: bullmq 6 has no "paused" type, bullmq 5 keeps a paused queue's jobs there.
    const pending = async (): Promise<number> => {
      const r = (await this.redis.multi().llen(this.keys.key(queue.name, 'wait')).llen(this.keys.key(queue.name, 'paused')).zcard(this.keys.key(queue.name, 'prioritized')).exec()) ?? [];
      return r.reduce((n, [, v]) => n + Number(v ?? 0), 0);
    };
    const before = await pending();
    this.wroteSilently(queue);
    try {
      await q.drain(false); // Queue.drain emits no event
    } finally {
      this.wroteSilently(queue);
    }
    const after = await pending();
    return done(`deleted ${Math.max(0, before - after)} pending job(s) of ${queue.id} (Queue.drain; delayed, running and finished jobs are kept)${after > 0 ? `; ${after} were added meanwhile` : ''}`);
  }

  async pause(queue: QueueRef): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    await q.pause();
    return done(`${queue.id} paused (workers finish their current jobs and take no new ones)`);
  }

  async resume(queue: QueueRef): Promise<ActionResult> {
    const q = await this.writable(queue);
    if (isResult(q)) return q;
    await q.resume();
    return done(`${queue.id} resumed`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    this.libraryRedis?.disconnect();
    this.libraryRedis = undefined;
  }

  private queue(ref: QueueRef, major: number): BullQueue {
    const key = `${major}\n${ref.name}`;
    let q = this.queues.get(key);
    if (!q) {
      // bullmq's Queue objects get a connection of their own: a Queue defines its ~70 scripts on
      // the client it is given, and ioredis copies every defined script onto each pipeline made on
      // that client after, which made each of the counts' pipelines several times dearer.
      const conn = (this.libraryRedis ??= duplicateClient(this.redis));
      q = openQueue(major, ref.name, conn, this.keys.prefix);
      q.on('error', () => undefined);
      this.queues.set(key, q);
    }
    return q;
  }

  private async majorOf(ref: QueueRef): Promise<number> {
    const major = majorOf(await this.redis.hget(this.keys.key(ref.name, 'meta'), 'version'));
    return major !== undefined && BUNDLED_MAJORS.includes(major) ? major : NEWEST_MAJOR;
  }

  /**
   * The Queue of the bullmq major that wrote this queue (its meta.version), or why nothing may be
   * written: a queue that is gone, or a major with no bundled library.
   */
  /** A queue to add to: as writable() where it exists, else new, written with the bullmq of `like`. */
  private async writableTarget(target: QueueRef, like: QueueRef): Promise<BullQueue | ActionResult> {
    if (await this.redis.exists(this.keys.key(target.name, 'meta'))) return this.writable(target);
    return this.queue(target, majorOf(await this.redis.hget(this.keys.key(like.name, 'meta'), 'version')) ?? NEWEST_MAJOR);
  }

  private async writable(queue: QueueRef): Promise<BullQueue | ActionResult> {
    const meta = this.keys.key(queue.name, 'meta');
    const [version, exists] = await Promise.all([this.redis.hget(meta, 'version'), this.redis.exists(meta)]);
    if (!exists) return notFound(`no BullMQ queue "${queue.name}" (no ${meta})`);
    const major = majorOf(version);
    if (major === undefined || !BUNDLED_MAJORS.includes(major)) {
      const majors = BUNDLED_MAJORS.map((m) => `${m}.x`).join(' and ');
      return refused(`${queue.id} was written by ${version ?? 'a bullmq that records no meta.version'}; Chaperone writes only with the bullmq it bundles (${majors}), whose scripts must match the queue's layout, so it changes nothing`);
    }
    return this.queue(queue, major);
  }
}

function isResult(x: BullQueue | ActionResult): x is ActionResult {
  return 'status' in x && 'ok' in x;
}

/** The job hash's fields a search matches (the first three) and a row shows. */
const SEARCH_FIELDS = ['name', 'data', 'failedReason', 'timestamp', 'atm', 'attemptsMade', 'stacktrace', 'finishedOn', 'delay'] as const;

/** A row from the job hash as stored; a job whose hash is gone (removed meanwhile) is left out. */
function summarizeHash(hit: SearchHit, state: JobState, now: number): JobSummary | undefined {
  const f = hit.fields;
  if (!f.name && !f.data && !f.timestamp) return undefined;
  const data = jsonOrNull(f.data);
  const ts = numOrNull(f.timestamp);
  const s: JobSummary = {
    id: hit.member,
    name: f.name,
    state,
    attempts: numOrNull(f.atm || f.attemptsMade) ?? 0,
    ageMs: ts ? Math.max(0, now - ts) : null,
    // Data that is not JSON is shown as it is.
    preview: preview(data === null && f.data !== 'null' ? f.data : JSON.stringify(data)),
    fields: scalarFields(data),
  };
  if (f.failedReason) s.failedReason = f.failedReason;
  // A delayed job runs at its timestamp plus its delay (the set's score is bullmq's own encoding).
  if (state === 'delayed' && ts !== null) s.runAt = ts + (numOrNull(f.delay) ?? 0);
  if (state === 'failed') {
    // One stack per failed attempt, oldest first: the last is the latest failure.
    const traces = jsonOrNull(f.stacktrace || '[]');
    const last = Array.isArray(traces) ? traces[traces.length - 1] : undefined;
    if (typeof last === 'string') s.trace = last.slice(0, TRACE_KEPT);
    s.failedAt = numOrNull(f.finishedOn);
  }
  return s;
}

function bullWorkerId(w: { id?: string; rawname?: string; addr?: string }): string {
  const own = /:w:(.+)$/.exec(w.rawname ?? '')?.[1];
  const client = w.id ? `client ${w.id}` : (w.addr ?? '?');
  return own ? `${own} (${client})` : client;
}

/** What one reading asked of the counts script for a queue (the script's argument, and what it means). */
interface Asked {
  /** What is known of a queue followed from its cursor (undefined: counted in full). */
  seen: Seen | undefined;
  again: boolean;
  runtime: boolean;
  writes: number;
}

/** What is known of a queue between readings. */
interface Seen {
  /** The id of the last event its counts take in (its cursor). */
  eventId: string;
  /** When the states that move without an event were last read. */
  fullAt: number;
  /** Until when it is counted in full (its events could not be followed: too many, a gap, a pause). */
  busyUntil: number;
  /** The eight states' sizes, the paused flag, the oldest waiting job's timestamp. */
  values: number[];
  /** Its events stream's key (built once: the counts send it at every reading). */
  stream: string;
  /** Its last reading had new events: the next reads its stream newest first. */
  moving: boolean;
  /** The first stream id after the cursor (`of`): where a read newest first stops. */
  after: { of: string; id: string } | undefined;
}

/** A small, stable hash of a queue's name (to spread queues' full counts over the period). */
function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h;
}
