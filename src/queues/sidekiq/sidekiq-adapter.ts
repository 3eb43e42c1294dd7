// Sidekiq (6.x; the 6.5+ `:work` hashes too). Queues come from the `queues` set, live processes from
// `processes` + their heartbeat hashes. Scheduled, retry and dead jobs live in sorted sets shared by
// every queue, counted per queue in slices (never a whole set at once). Writes match the exact member
// and remove it before enqueueing anything. Running jobs cannot be cancelled in Sidekiq OSS.
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { done, jsonOrNull, notFound, preview, refused, scalarFields, taken, type ActionResult, type Capability, type JobDetail, type JobState, type JobSummary, type LiveWorker, type QueueAdapter, type QueueCounts, type QueueRef, type WorkersResult } from '../contract';
import { QueueDiscovery } from '../queue-discovery';
import { numOrNull, TRACE_KEPT } from '../job-detail';
import { addTally } from '../tally';
import type { RedisClient } from '../redis-client';
import { SidekiqKeys } from './sidekiq-keys';
import { SidekiqFlow } from './sidekiq-flow';
import type { FlowReading } from '../../core/signals/flow';
import { SIDEKIQ_COUNTS_LUA, SIDEKIQ_FIND_LUA, SIDEKIQ_KILL_LUA, SIDEKIQ_CLEAN_DEAD_LUA, SIDEKIQ_MOVE_LUA, SIDEKIQ_SET_CHUNK, SIDEKIQ_SET_COUNTS_LUA } from './sidekiq-scripts';
import { searchInMemory, searchSources, type SearchPage, type SearchQuery, type SearchSource } from '../job-search';
import { LuaScript, execScripts } from '../lua-script';

/** What Sidekiq's retry logic writes into a failed job: a replayed copy starts without it. */
const FAILURE_FIELDS = ['error_message', 'error_class', 'error_backtrace', 'failed_at', 'retried_at', 'retry_count', 'died_at', 'error_details'] as const;

const SIDEKIQ_COUNTS = new LuaScript(SIDEKIQ_COUNTS_LUA);
const SIDEKIQ_FIND = new LuaScript(SIDEKIQ_FIND_LUA);
const SIDEKIQ_KILL = new LuaScript(SIDEKIQ_KILL_LUA);
const SIDEKIQ_CLEAN_DEAD = new LuaScript(SIDEKIQ_CLEAN_DEAD_LUA);
const SIDEKIQ_MOVE = new LuaScript(SIDEKIQ_MOVE_LUA);
const SIDEKIQ_SET_COUNTS = new LuaScript(SIDEKIQ_SET_COUNTS_LUA);

const SETS = ['schedule', 'retry', 'dead'] as const;
type SetName = (typeof SETS)[number];
/** Sets this large are recounted at most every 10 s; smaller ones every call. */
const SMALL_SETS = 6000;
const SET_COUNTS_EVERY_MS = 10_000;
/** A process is alive while its heartbeat is younger than this (Sidekiq's own rule). */
const BEAT_ALIVE_S = 60;
/** At most this many members of a set are read to fill one page of a queue's jobs. */
const LIST_SCAN_LIMIT = 10_000;

interface SidekiqJob {
  jid?: string;
  retry?: boolean | number;
  failed_at?: number;
  error_backtrace?: string | string[];
  class?: string;
  wrapped?: string;
  queue?: string;
  args?: unknown[];
  enqueued_at?: number;
  created_at?: number;
  retry_count?: number;
  error_message?: string;
  error_class?: string;
}

export interface SidekiqOptions {
  namespace?: string;
}

export class SidekiqAdapter implements QueueAdapter {
  readonly system = 'sidekiq' as const;
  readonly capabilities: ReadonlySet<Capability>;
  private readonly keys: SidekiqKeys;
  private readonly discovery: QueueDiscovery;
  private setCounts: { at: number; total: number; byQueue: Record<SetName, Map<string, number>> } | undefined;
  private lastSizes: Record<SetName, number> | undefined;

  private readonly flowReader: SidekiqFlow;

  constructor(
    readonly connection: string,
    private readonly redis: RedisClient,
    opts: SidekiqOptions = {},
  ) {
    this.keys = new SidekiqKeys(opts.namespace ?? '');
    this.flowReader = new SidekiqFlow(redis, this.keys, connection);
    this.discovery = new QueueDiscovery('sidekiq', connection, (now) => this.queueNames(now));
    const writes: Capability[] = ['cancel-pending', 'cancel-delayed', 'retry-failed', 'replay-failed', 'promote-delayed', 'restart-workers', 'purge', 'stop-worker', 'kill', 'delete-failed', 'clean'];
    this.capabilities = new Set<Capability>(['workers', ...writes]);
  }

  discover(force = false): Promise<QueueRef[]> {
    return this.discovery.discover(force);
  }

  /** The `queues` set, plus queues that only have scheduled, retry or dead jobs so far. */
  private async queueNames(now: number): Promise<string[]> {
    const listed = await this.redis.smembers(this.keys.queues());
    await this.readCounts([], now, true);
    const sets = this.setCounts?.byQueue;
    return [...listed, ...(sets ? SETS.flatMap((s) => [...sets[s].keys()]) : [])];
  }

  flow(): Promise<FlowReading[]> {
    return this.flowReader.read();
  }

  counts(queues: readonly QueueRef[], now: number): Promise<QueueCounts[]> {
    return queues.length === 0 ? Promise.resolve([]) : this.readCounts(queues, now, false);
  }

  private async readCounts(queues: readonly QueueRef[], now: number, force: boolean): Promise<QueueCounts[]> {
    // One pipeline: the queues' script, and (when due) the sizes and slices of the three sets,
    // planned from their last sizes; a set that grew past its plan gets its extra slices after.
    const due = force || !this.setCounts || this.setCounts.total <= SMALL_SETS || now - this.setCounts.at >= SET_COUNTS_EVERY_MS;
    const plan: { set: SetName; start: number }[] = [];
    for (const s of due ? SETS : []) {
      const size = this.lastSizes?.[s] ?? SIDEKIQ_SET_CHUNK;
      for (let start = 0; start < Math.max(size, 1); start += SIDEKIQ_SET_CHUNK) plan.push({ set: s, start });
    }
    const res = await execScripts(this.redis, (pipe, mode) => {
      SIDEKIQ_COUNTS.queue(pipe, this.redis, mode, 0, this.keys.prefix, String(now / 1000), ...queues.map((q) => q.name));
      if (!due) return;
      for (const s of SETS) pipe.zcard(this.keys.set(s));
      for (const p of plan) SIDEKIQ_SET_COUNTS.queue(pipe, this.redis, mode, 1, this.keys.set(p.set), String(p.start), String(SIDEKIQ_SET_CHUNK));
    });
    const [[err, raw]] = res;
    if (err) throw err;
    const rows = raw as string[];
    if (due) {
      const sizes = Object.fromEntries(SETS.map((s, i) => [s, Number(res[1 + i][1])])) as Record<SetName, number>;
      const slices = res.slice(1 + SETS.length);
      // Slices the plan missed (a set grew): read them now.
      const extra: { set: SetName; start: number }[] = [];
      for (const s of SETS) {
        const covered = plan.filter((p) => p.set === s).length * SIDEKIQ_SET_CHUNK;
        for (let start = covered; start < sizes[s]; start += SIDEKIQ_SET_CHUNK) extra.push({ set: s, start });
      }
      let extraRes: typeof res = [];
      if (extra.length) {
        extraRes = await execScripts(this.redis, (more, mode) => {
          for (const e of extra) SIDEKIQ_SET_COUNTS.queue(more, this.redis, mode, 1, this.keys.set(e.set), String(e.start), String(SIDEKIQ_SET_CHUNK));
        });
      }
      const byQueue: Record<SetName, Map<string, number>> = { schedule: new Map(), retry: new Map(), dead: new Map() };
      [...plan, ...extra].forEach((p, i) => {
        const [e, flat] = i < plan.length ? slices[i] : extraRes[i - plan.length];
        if (e) throw e;
        addTally(byQueue[p.set], flat);
      });
      this.lastSizes = sizes;
      this.setCounts = { at: now, total: SETS.reduce((a, s) => a + sizes[s], 0), byQueue };
    }
    const sets = this.setCounts?.byQueue ?? { schedule: new Map(), retry: new Map(), dead: new Map() };
    return queues.map((queue, i) => {
      const [pending, active, oldest] = rows[i].split(',').map(Number);
      const scheduled = sets.schedule.get(queue.name) ?? 0;
      const retry = sets.retry.get(queue.name) ?? 0;
      const dead = sets.dead.get(queue.name) ?? 0;
      return {
        queue,
        counts: { pending, delayed: scheduled, active, failed: retry + dead, scheduled, retry, dead },
        oldestPendingAgeMs: oldest >= 0 ? Math.max(0, now - oldest) : null,
        runtimeMs: null,
        paused: false,
      };
    });
  }

  async list(queue: QueueRef, state: JobState, limit: number, now: number): Promise<JobSummary[]> {
    const n = Math.max(1, limit);
    if (state === 'pending') {
      // LPUSH in, BRPOP out: the oldest job is at the right end.
      const members = await this.redis.lrange(this.keys.queue(queue.name), -n, -1);
      return members.reverse().map((m) => summarize(m, 'pending', now));
    }
    if (state === 'delayed') return (await this.fromSets(['schedule'], queue.name, n)).map((m) => summarize(m, 'delayed', now));
    if (state === 'failed') return (await this.fromSets(['retry', 'dead'], queue.name, n)).map((m) => summarize(m, 'failed', now));
    if (state === 'active') {
      const running = await this.running();
      return running.filter((r) => r.queue === queue.name).slice(0, n).map((r) => summarize(r.payload, 'active', now));
    }
    return [];
  }

  /**
   * Pending oldest first (the order Sidekiq runs them), scheduled and retries by when they run,
   * dead newest first; the shared sets hold every queue's jobs, so a match must name this queue.
   * Running jobs come from the processes' work hashes (a few): matched here, in one page.
   */
  async search(queue: QueueRef, state: JobState, query: SearchQuery, now: number): Promise<SearchPage> {
    if (state === 'active') return searchInMemory((await this.running()).filter((r) => r.queue === queue.name).map((r) => r.payload), query, (m) => summarize(m, 'active', now));
    const must = `"queue":"${queue.name}"`;
    const set = (name: SetName, order: 'fwd' | 'rev'): SearchSource => ({ key: this.keys.set(name), kind: 'zset', order, members: 'payload', must });
    const sources: Partial<Record<JobState, SearchSource[]>> = {
      pending: [{ key: this.keys.queue(queue.name), kind: 'list', order: 'rev', members: 'payload' }],
      delayed: [set('schedule', 'fwd')],
      failed: [set('retry', 'fwd'), set('dead', 'rev')],
    };
    return searchSources(this.redis, sources[state] ?? [], query, (hit) => {
      // `must` only narrows: a job's arguments may hold a "queue" of their own. Decoded once, for both.
      const job = parseJob(hit.member);
      if (state !== 'pending' && job?.queue !== queue.name) return undefined;
      const row = summarize(hit.member, state, now, job);
      // The schedule set is scored by when the job runs (seconds).
      if (state === 'delayed' && hit.score !== null) row.runAt = Math.round(hit.score * 1000);
      return row;
    });
  }

  async workers(queue?: QueueRef): Promise<WorkersResult> {
    const ids = await this.redis.smembers(this.keys.processes());
    if (ids.length === 0) return { workers: [] };
    // Sidekiq Web's Busy page: each process's running jobs, from its work hash.
    const runningJobs = await this.running();
    const nowMs = Date.now();
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hmget(this.keys.process(id), 'info', 'busy', 'beat', 'quiet', 'rss');
    const rows = (await pipe.exec()) ?? [];
    const nowS = Date.now() / 1000;
    const out: LiveWorker[] = [];
    ids.forEach((id, i) => {
      const [err, row] = rows[i];
      if (err) return;
      const [infoJson, busy, beat, quiet, rss] = row as (string | null)[];
      // Alive only if listed, the hash exists and the heartbeat is recent.
      if (!infoJson || !beat || nowS - Number(beat) >= BEAT_ALIVE_S) return;
      let info: { hostname?: string; pid?: number; queues?: string[]; concurrency?: number; tag?: string } = {};
      try {
        info = JSON.parse(infoJson) as typeof info;
      } catch {
        // listed by identity alone
      }
      const queues = (info.queues ?? []).map((q) => `sidekiq:${q}`);
      if (queue && !queues.includes(queue.id)) return;
      out.push({
        id, source: 'sidekiq processes', host: info.hostname, pid: info.pid, queues,
        processes: 1,
        actions: quiet === 'true' ? ['stop'] : ['quiet', 'stop'],
        running: runningJobs.filter((b) => b.process === id).map((b) => {
          const job = summarize(b.payload, 'active', nowMs);
          return { id: job.id, name: job.name, queue: `sidekiq:${b.queue}`, sinceMs: b.runAt !== null ? Math.max(0, nowMs - b.runAt * 1000) : null };
        }),
        detail: `${quiet === 'true' ? 'quiet, ' : ''}busy ${busy ?? 0}/${info.concurrency ?? '?'}${rss ? `, rss ${Math.round(Number(rss) / 1024)} MB` : ''}`,
      });
    });
    return { workers: out };
  }

  async cancel(queue: QueueRef, jid: string): Promise<ActionResult> {
    const pending = await this.find(this.keys.queue(queue.name), 'list', jid, '');
    if (pending) {
      const removed = await this.move(this.keys.queue(queue.name), 'list', pending, '', queue.name);
      if (removed) return done(`cancelled pending job ${jid} of ${queue.id}`);
      return this.takenOrGone(queue, jid);
    }
    for (const s of SETS) {
      const m = await this.find(this.keys.set(s), 'zset', jid, queue.name);
      if (m && (await this.move(this.keys.set(s), 'zset', m, '', queue.name))) {
        this.setCounts = undefined;
        return done(`deleted ${s === 'schedule' ? 'scheduled' : s} job ${jid} of ${queue.id}`);
      }
    }
    return this.takenOrGone(queue, jid);
  }

  /** Retry now, from the retry set or the dead set, as Sidekiq's own "retry" does. */
  async retry(queue: QueueRef, jid: string | { allFailed: true }): Promise<ActionResult> {
    if (typeof jid !== 'string') {
      let n = 0;
      for (const s of ['retry', 'dead'] as const) {
        for (const m of await this.fromSets([s], queue.name, LIST_SCAN_LIMIT)) if (await this.requeue(s, m, queue.name, true)) n++;
      }
      return done(`retrying ${n} failed job(s) of ${queue.id}`);
    }
    for (const s of ['retry', 'dead'] as const) {
      const m = await this.find(this.keys.set(s), 'zset', jid, queue.name);
      if (m) {
        return (await this.requeue(s, m, queue.name, true))
          ? done(`job ${jid} of ${queue.id} moved from ${s} back to the queue`)
          : taken(`job ${jid} of ${queue.id} left the ${s} set meanwhile (retried by Sidekiq?)`);
      }
    }
    return notFound(`no job ${jid} of ${queue.id} in the retry or dead set`);
  }

  /**
   * A retry or dead job pushed again as a new job, as Sidekiq::Client.push would: a new jid, what
   * its failures wrote left out, enqueued now (in the job's own time unit: seconds before Sidekiq
   * 7, milliseconds from it). The failed entry stays in its set.
   */
  async replay(queue: QueueRef, jid: string, to?: string): Promise<ActionResult> {
    const dest = to ?? queue.name;
    for (const s of ['retry', 'dead'] as const) {
      const m = await this.find(this.keys.set(s), 'zset', jid, queue.name);
      if (!m) continue;
      let job: Record<string, unknown>;
      try {
        job = JSON.parse(m) as Record<string, unknown>;
      } catch {
        return refused(`job ${jid} of ${queue.id} is not JSON Sidekiq can have written: not replayed`);
      }
      const kept = Object.fromEntries(Object.entries(job).filter(([k]) => !(FAILURE_FIELDS as readonly string[]).includes(k)));
      const ms = typeof job.created_at === 'number' && Number.isInteger(job.created_at) && job.created_at > 1e12;
      const now = ms ? Date.now() : Date.now() / 1000;
      const copy = { ...kept, jid: randomBytes(12).toString('hex'), created_at: now, enqueued_at: now, queue: dest };
      await this.redis.multi().sadd(this.keys.queues(), dest).lpush(this.keys.queue(dest), JSON.stringify(copy)).exec();
      return done(`replayed job ${jid} of ${queue.id} (from the ${s} set, which keeps it) as job ${copy.jid}${to === undefined ? '' : ` on sidekiq:${to}`}`);
    }
    return notFound(`no job ${jid} of ${queue.id} in the retry or dead set`);
  }

  /** As Sidekiq Web's Delete on a retry or dead job: the entry leaves its set. */
  async deleteFailed(queue: QueueRef, jid: string): Promise<ActionResult> {
    for (const s of ['retry', 'dead'] as const) {
      const m = await this.find(this.keys.set(s), 'zset', jid, queue.name);
      if (!m) continue;
      this.setCounts = undefined;
      return (await this.redis.zrem(this.keys.set(s), m)) === 1
        ? done(`deleted job ${jid} of ${queue.id} from the ${s} set`)
        : taken(`job ${jid} of ${queue.id} left the ${s} set meanwhile (retried by Sidekiq?)`);
    }
    return notFound(`no job ${jid} of ${queue.id} in the retry or dead set`);
  }

  async promote(queue: QueueRef, jid: string): Promise<ActionResult> {
    const m = await this.find(this.keys.set('schedule'), 'zset', jid, queue.name);
    if (!m) return notFound(`no scheduled job ${jid} in ${queue.id}`);
    return (await this.requeue('schedule', m, queue.name, false))
      ? done(`scheduled job ${jid} of ${queue.id} is enqueued now`)
      : taken(`scheduled job ${jid} of ${queue.id} was enqueued by Sidekiq meanwhile`);
  }

  /** Sidekiq's "kill": a retry (or scheduled) job goes to the dead set. */
  async kill(queue: QueueRef, jid: string): Promise<ActionResult> {
    for (const s of ['retry', 'schedule'] as const) {
      const m = await this.find(this.keys.set(s), 'zset', jid, queue.name);
      if (m && Number(await SIDEKIQ_KILL.run(this.redis, 2, this.keys.set(s), this.keys.set('dead'), m, String(Date.now() / 1000))) === 1) {
        this.setCounts = undefined;
        return done(`job ${jid} of ${queue.id} moved from ${s} to dead`);
      }
    }
    return notFound(`no retry or scheduled job ${jid} in ${queue.id}`);
  }

  /**
   * Failed: this queue's jobs in the dead set that died more than the grace ago (what DeadSet#trim
   * does for all queues by age, here for one). The retry set is left alone: those jobs are still to
   * run. Completed: Sidekiq keeps no finished job, so there is nothing to clean.
   */
  async clean(queue: QueueRef, state: 'completed' | 'failed', graceMs: number, limit: number): Promise<ActionResult> {
    if (state === 'completed') return refused(`Sidekiq keeps no finished jobs (only its stat:processed count): nothing to clean in ${queue.id}`);
    const cutoff = String((Date.now() - graceMs) / 1000);
    let removed = 0;
    let offset = 0;
    for (;;) {
      const [n, next, finished] = (await SIDEKIQ_CLEAN_DEAD.run(this.redis, 1, this.keys.set('dead'), cutoff, queue.name, String(offset), '500', String(limit - removed))) as number[];
      removed += n;
      offset = next;
      if (finished === 1 || removed >= limit) break;
    }
    this.setCounts = undefined;
    return done(`removed ${removed} dead job(s) of ${queue.id} that died more than ${Math.round(graceMs / 1000)}s ago (the retry set is left to run)`);
  }

  /** Drains a queue as Sidekiq's Queue#clear: every pending job is deleted. */
  async purge(queue: QueueRef): Promise<ActionResult> {
    const res = (await this.redis.multi().llen(this.keys.queue(queue.name)).unlink(this.keys.queue(queue.name)).srem(this.keys.queues(), queue.name).exec()) ?? [];
    return done(`deleted the ${Number(res[0]?.[1] ?? 0)} pending job(s) of ${queue.id}`);
  }

  async pause(queue: QueueRef): Promise<ActionResult> {
    return refused(`Sidekiq OSS cannot pause a queue (Sidekiq Pro/Enterprise can): quiet its processes instead (chaperone worker sidekiq IDENTITY quiet) for ${queue.id}`);
  }

  async resume(queue: QueueRef): Promise<ActionResult> {
    return refused(`Sidekiq OSS has no paused queues to resume (${queue.id})`);
  }

  /** Quiet (TSTP: fetch no more jobs) or stop (TERM) one process, through its signals list. */
  async stopWorker(workerId: string, mode: 'quiet' | 'stop'): Promise<ActionResult> {
    if (!(await this.redis.sismember(this.keys.processes(), workerId))) return notFound(`no Sidekiq process "${workerId}" in processes`);
    await this.signal(workerId, mode === 'quiet' ? 'TSTP' : 'TERM');
    return done(`${mode === 'quiet' ? 'quiet (TSTP)' : 'stop (TERM)'} sent to ${workerId}; it acts on it at its next heartbeat (~5 s)`);
  }

  async restartWorkers(): Promise<ActionResult> {
    const live = await this.workers();
    const ids = 'workers' in live ? live.workers.map((w) => w.id) : [];
    for (const id of ids) await this.signal(id, 'TERM');
    return done(`TERM sent to ${ids.length} Sidekiq process(es): each finishes (or pushes back) its jobs and exits; its supervisor starts it again`);
  }

  async close(): Promise<void> {
    // The connection belongs to the caller.
  }

  private async signal(identity: string, sig: 'TSTP' | 'TERM'): Promise<void> {
    const key = this.keys.signals(identity);
    await this.redis.multi().lpush(key, sig).expire(key, 60).exec();
  }


  private async find(key: string, kind: 'list' | 'zset', jid: string, queue: string): Promise<string | null> {
    return ((await SIDEKIQ_FIND.run(this.redis, 1, key, jid, kind, queue)) as string | null) ?? null;
  }

  private async move(from: string, kind: 'list' | 'zset', member: string, payload: string, queue: string): Promise<boolean> {
    return Number(await SIDEKIQ_MOVE.run(this.redis, 3, from, this.keys.queue(queue), this.keys.queues(), member, kind, payload, queue)) === 1;
  }

  /** Remove from the set first; only if that removed it, push it to its queue (enqueued now). */
  private async requeue(from: SetName, member: string, queue: string, isRetry: boolean): Promise<boolean> {
    let job: SidekiqJob & Record<string, unknown>;
    try {
      job = JSON.parse(member) as typeof job;
    } catch {
      return false;
    }
    if (isRetry && typeof job.retry_count === 'number') job.retry_count -= 1; // as Sidekiq's own retry
    job.enqueued_at = Date.now() / 1000;
    this.setCounts = undefined;
    return this.move(this.keys.set(from), 'zset', member, JSON.stringify(job), queue);
  }

  /**
   * One job by jid, wherever Sidekiq holds it: running in a live process (Busy), its queue
   * (Enqueued), or the schedule, retry or dead set, as Sidekiq Web names them.
   */
  async get(queue: QueueRef, jid: string): Promise<JobDetail | undefined> {
    const sets: readonly ('schedule' | 'retry' | 'dead')[] = ['schedule', 'retry', 'dead'];
    const [running, pending, ...inSets] = await Promise.all([
      this.running(),
      this.find(this.keys.queue(queue.name), 'list', jid, ''),
      ...sets.map((s) => this.find(this.keys.set(s), 'zset', jid, queue.name)),
    ]);
    const busy = running.find((r) => r.queue === queue.name && r.payload.includes(`"jid":"${jid}"`));
    const setAt = inSets.findIndex((m) => m !== null);
    const member = busy?.payload ?? pending ?? (setAt >= 0 ? inSets[setAt] : null);
    if (member === null) return undefined;
    const state = busy ? 'busy' : pending ? 'enqueued' : sets[setAt] === 'schedule' ? 'scheduled' : sets[setAt];
    const score = setAt >= 0 && !busy && !pending ? numOrNull(await this.redis.zscore(this.keys.set(sets[setAt]), member)) : null;
    const j = jsonOrNull(member) as (SidekiqJob & Record<string, unknown>) | null;
    const sec = (v: unknown): number | null => (typeof v === 'number' ? Math.round(v * 1000) : null);
    const options: Record<string, unknown> = {};
    for (const k of ['retry', 'backtrace', 'dead', 'tags', 'retry_queue', 'unique_for', 'wrapped']) if (j && j[k] !== undefined) options[k] = j[k];
    const retry = j?.retry;
    const failed = sec(j?.failed_at);
    const detail: JobDetail = {
      id: jid, name: j?.wrapped ?? j?.class ?? '?', queue, state,
      payload: { text: member, json: j },
      options,
      timestamps: {
        enqueued: sec(j?.enqueued_at ?? j?.created_at), runAt: state === 'scheduled' || state === 'retry' ? score && Math.round(score * 1000) : null,
        started: busy ? sec(busy.runAt) : null, finished: null, failed,
      },
      // retry_count is 0 after the first failure; `retry: true` is Sidekiq's default of 25 retries.
      attempts: {
        made: typeof j?.retry_count === 'number' ? j.retry_count + 1 : failed !== null || busy ? 1 : 0,
        allowed: retry === false ? 1 : typeof retry === 'number' ? retry + 1 : 26,
      },
      error: j?.error_class || j?.error_message ? { class: j.error_class ?? null, message: j.error_message ?? '', stack: backtraceOf(j) } : null,
    };
    if (busy?.process) detail.worker = busy.process;
    return detail;
  }

  /** Members of the given sets that belong to the queue, in slices, at most `limit`. */
  private async fromSets(sets: readonly SetName[], queue: string, limit: number): Promise<string[]> {
    const out: string[] = [];
    const needle = `"queue":"${queue}"`;
    for (const s of sets) {
      for (let start = 0; start < LIST_SCAN_LIMIT && out.length < limit; start += 1000) {
        const chunk = await this.redis.zrange(this.keys.set(s), String(start), String(start + 999));
        if (chunk.length === 0) break;
        for (const m of chunk) if (m.includes(needle) && out.length < limit && parseJob(m)?.queue === queue) out.push(m);
      }
    }
    return out;
  }

  /** Jobs running right now in live processes: queue and payload. */
  private async running(): Promise<{ queue: string; payload: string; process: string; runAt: number | null }[]> {
    const ids = await this.redis.smembers(this.keys.processes());
    const pipe = this.redis.pipeline();
    const owners: string[] = [];
    for (const id of ids) {
      for (const k of this.keys.work(id)) {
        pipe.hvals(k);
        owners.push(id);
      }
    }
    const out: { queue: string; payload: string; process: string; runAt: number | null }[] = [];
    for (const [i, [err, vals]] of ((await pipe.exec()) ?? []).entries()) {
      if (err) continue;
      for (const v of vals as string[]) {
        try {
          const w = JSON.parse(v) as { queue?: string; payload?: string | object; run_at?: number };
          out.push({ queue: w.queue ?? '?', payload: typeof w.payload === 'string' ? w.payload : JSON.stringify(w.payload ?? {}), process: owners[i] ?? '?', runAt: typeof w.run_at === 'number' ? w.run_at : null });
        } catch {
          // skip an unreadable entry
        }
      }
    }
    return out;
  }

  private async takenOrGone(queue: QueueRef, jid: string): Promise<ActionResult> {
    const running = await this.running();
    if (running.some((r) => r.queue === queue.name && r.payload.includes(`"jid":"${jid}"`))) {
      return taken(`job ${jid} of ${queue.id} is running: Sidekiq OSS cannot cancel a running job; stop (TERM) its process, or restart the pool that runs it`);
    }
    return notFound(`no job ${jid} in ${queue.id} (pending, scheduled, retry or dead); a worker may have finished it`);
  }
}

/**
 * "Class: message" and the backtrace, when the job asked for one (sidekiq_options backtrace:):
 * Sidekiq 6 stores it as base64 of deflated JSON, older versions as a plain array.
 */
function backtraceOf(j: SidekiqJob): string {
  const head = `${j.error_class ?? 'Error'}: ${j.error_message ?? ''}`;
  let lines: unknown = j.error_backtrace;
  if (typeof lines === 'string') {
    try {
      lines = JSON.parse(zlib.inflateSync(Buffer.from(lines, 'base64')).toString('utf8')) as unknown;
    } catch {
      lines = [lines];
    }
  }
  const frames = Array.isArray(lines) ? lines.filter((l): l is string => typeof l === 'string') : [];
  return [head, ...frames.map((f) => `\t${f}`)].join('\n');
}

/** `parsed`: the member already decoded (undefined: unreadable, still listed by its text). */
function summarize(member: string, state: JobState, now: number, parsed: SidekiqJob | undefined = parseJob(member)): JobSummary {
  const j = parsed ?? {};
  const at = j.enqueued_at ?? j.created_at;
  const s: JobSummary = {
    id: j.jid ?? '?',
    name: j.wrapped ?? j.class ?? '?',
    state,
    attempts: typeof j.retry_count === 'number' ? j.retry_count + 1 : 0,
    ageMs: typeof at === 'number' ? Math.max(0, now - at * 1000) : null,
    preview: preview(JSON.stringify(j.args ?? member)),
    fields: scalarFields(j, ['args']),
  };
  if (j.error_message) s.failedReason = j.error_class ? `${j.error_class}: ${j.error_message}` : j.error_message;
  if (state === 'failed') {
    if (j.error_backtrace) s.trace = backtraceOf(j).slice(0, TRACE_KEPT);
    s.failedAt = typeof j.failed_at === 'number' ? Math.round(j.failed_at * 1000) : null;
  }
  return s;
}

/** A member as Sidekiq wrote it; undefined when it is not JSON. Its top-level "queue" says whose it is in a shared set. */
function parseJob(member: string): SidekiqJob | undefined {
  try {
    return JSON.parse(member) as SidekiqJob;
  } catch {
    return undefined;
  }
}
