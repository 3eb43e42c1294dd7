// Celery on the kombu Redis transport. Queues come from the configured names and the
// `_kombu.binding.*` sets; pending = the list plus its priority lists; ETA/countdown tasks are
// "delayed" (in the list or prefetched into `unacked`); prefetched tasks without an ETA are
// "active" (reserved by a worker). Celery keeps no failed list: failed = the failures the result
// backend holds, where one is configured (celery-results.ts).
// Workers are known from their heartbeats and pidbox pings; control goes through pidbox messages.
import type Redis from 'ioredis';
import { done, jsonOrNull, notFound, preview, refused, scalarFields, taken, type ActionResult, type Capability, type JobDetail, type JobState, type JobSummary, type LiveWorker, type QueueAdapter, type QueueCounts, type QueueRef, type WorkersResult } from '../contract';
import { QueueDiscovery } from '../queue-discovery';
import { scanAll } from '../redis-client';
import { CELERY_CANCEL_LUA, CELERY_COUNTS_LUA, CELERY_ETA_SCAN } from './celery-scripts';
import { CeleryControl, taskInfo } from './celery-control';
import { CeleryFlow } from './celery-flow';
import { CeleryResults, deleteOldResults } from './celery-results';
import { TRACE_KEPT } from '../job-detail';
import { celeryJobDetail, messageId, type CeleryMessage } from './celery-job';
import type { FlowReading } from '../../core/signals/flow';
import { CeleryKeys, isPlumbing, queuesOfBinding } from './celery-keys';
import { LuaScript } from '../lua-script';
import { findMember, parseCursor, searchInMemory, searchSources, type SearchPage, type SearchQuery, type SearchSource } from '../job-search';

const CELERY_CANCEL = new LuaScript(CELERY_CANCEL_LUA);
const CELERY_COUNTS = new LuaScript(CELERY_COUNTS_LUA);

const RESULT_SCAN_LIMIT = 5000;
/** A worker is alive while its last heartbeat is younger than this (3 x the default 2 s beat, plus slack). */
const HEARTBEAT_ALIVE_MS = 10_000;

export interface CeleryOptions {
  /** kombu's global_keyprefix. */
  prefix?: string;
  /** Queue names always watched (besides the ones found through bindings). */
  queues?: string[];
}

export class CeleryAdapter implements QueueAdapter {
  readonly system = 'celery' as const;
  readonly capabilities: ReadonlySet<Capability>;
  private readonly keys: CeleryKeys;
  private readonly control: CeleryControl;
  private readonly flowReader: CeleryFlow;
  private readonly failedIndex: CeleryResults;
  private readonly discovery: QueueDiscovery;
  /** Each live worker's queues, from its last active_queues reply (workers(), every 10 s while sampled). */
  private readonly queuesOf = new Map<string, string[]>();

  constructor(
    readonly connection: string,
    private readonly redis: Redis,
    private readonly opts: CeleryOptions = {},
  ) {
    this.keys = new CeleryKeys(opts.prefix ?? '', redis.options.db ?? 0);
    this.control = new CeleryControl(redis, this.keys);
    this.flowReader = new CeleryFlow(this.control, connection);
    this.failedIndex = new CeleryResults(redis, this.keys);
    this.control.onResult = (channel, raw) => this.failedIndex.onPublished(channel, raw);
    this.discovery = new QueueDiscovery('celery', connection, () => this.queueNames());
    const writes: Capability[] = ['cancel-pending', 'cancel-active', 'pause-consumers', 'purge', 'stop-worker', 'restart-workers', 'delete-failed', 'clean'];
    this.capabilities = new Set<Capability>(['workers', ...writes]);
  }

  discover(force = false): Promise<QueueRef[]> {
    return this.discovery.discover(force);
  }

  /** The configured names and the queues bound in `_kombu.binding.*`, Celery's plumbing left out. */
  private async queueNames(): Promise<string[]> {
    const bindings = (await scanAll(this.redis, this.keys.bindingPattern())).filter((k) => !isPlumbing(k.slice(`${this.keys.prefix}_kombu.binding.`.length)));
    const pipe = this.redis.pipeline();
    for (const b of bindings) pipe.smembers(b);
    const found = ((await pipe.exec()) ?? []).flatMap(([err, m]) => (err ? [] : queuesOfBinding(m as string[])));
    return [...(this.opts.queues ?? []), ...found].filter((q) => !isPlumbing(q));
  }

  async counts(queues: readonly QueueRef[]): Promise<QueueCounts[]> {
    if (queues.length === 0) return [];
    // Failed: the failures the result backend holds (where one is configured), from its index.
    await this.control.listen();
    const [rows, failed] = await Promise.all([
      CELERY_COUNTS.run(this.redis, 0, this.keys.prefix, String(CELERY_ETA_SCAN), ...queues.map((q) => q.name)) as Promise<string[]>,
      this.failedIndex.failedByQueue(Date.now()),
    ]);
    const running = this.runningByQueue();
    return queues.map((queue, i) => {
      const [listed, listedEta, prefetched, prefetchedEta] = rows[i].split(',').map(Number);
      const delayed = listedEta + prefetchedEta;
      const reserved = prefetched - prefetchedEta;
      const now = running.get(queue.name) ?? 0;
      return {
        queue,
        // Active = running (heartbeats) + prefetched without an ETA (reserved by a worker).
        counts: { pending: listed - listedEta, delayed, active: reserved + now, failed: failed.get(queue.name)?.length ?? 0, reserved, running: now, eta: delayed },
        oldestPendingAgeMs: null, // kombu messages carry no enqueue time
        runtimeMs: null,
        paused: false, // cancel_consumer is per worker and not persistent: nothing to read back
      };
    });
  }

  /**
   * Tasks running now per queue, from the heartbeats (each says how many tasks its worker runs),
   * for workers that consume one queue only: a worker of several queues does not say which queue
   * its tasks came from, so its running tasks are not placed (the list of active tasks, from
   * `inspect active`, names them).
   */
  private runningByQueue(): Map<string, number> {
    const out = new Map<string, number>();
    const now = Date.now();
    for (const h of this.control.heartbeats.values()) {
      const qs = this.queuesOf.get(h.hostname);
      if (now - h.at >= HEARTBEAT_ALIVE_MS || !h.active || !qs || qs.length !== 1) continue;
      out.set(qs[0], (out.get(qs[0]) ?? 0) + h.active);
    }
    return out;
  }

  /** The tasks workers run now, as `celery inspect active` reports them (bounded wait: every live worker answers, or 1 s). */
  private async activeTasks(queue: string): Promise<string[]> {
    const replies = await this.control.broadcast('active', {}, { replyMs: 1000 });
    const out: string[] = [];
    for (const r of replies) {
      for (const tasks of Object.values(r)) {
        if (!Array.isArray(tasks)) continue;
        for (const t of tasks as { id?: string; name?: string; args?: unknown; kwargs?: unknown; delivery_info?: { routing_key?: string }; time_start?: number; hostname?: string }[]) {
          if (t.delivery_info?.routing_key !== queue) continue;
          // In the shape of a task message, so one summary serves both.
          out.push(JSON.stringify({ headers: { id: t.id, task: t.name, argsrepr: JSON.stringify(t.args ?? null) }, body: Buffer.from(JSON.stringify([t.args ?? [], t.kwargs ?? {}, {}])).toString('base64'), properties: { body_encoding: 'base64' } }));
        }
      }
    }
    return out;
  }

  flow(): Promise<FlowReading[]> {
    return this.flowReader.read();
  }

  /** The first jobs of a state: the search's first page, with no text. */
  async list(queue: QueueRef, state: JobState, limit: number, now = Date.now()): Promise<JobSummary[]> {
    return (await this.search(queue, state, { text: '', limit: Math.max(1, limit) }, now)).jobs;
  }

  /**
   * Results from the Redis result backend (`celery-task-meta-<id>`): the failed ones from the
   * index the counts come from; the completed ones read only when asked, a SCAN of at most 5000
   * keys. A result names its queue only with result_extended; without it the result cannot be
   * placed and is left out.
   */
  private async results(queue: QueueRef, state: 'completed' | 'failed', limit: number, now: number): Promise<JobSummary[]> {
    // Failed: the index's ids (the same the counts give); completed: a bounded SCAN.
    let keys: string[];
    if (state === 'failed') {
      await this.control.listen();
      keys = ((await this.failedIndex.failedByQueue(now)).get(queue.name) ?? []).map((id) => this.keys.result(id));
    } else keys = await scanAll(this.redis, this.keys.resultPattern(), RESULT_SCAN_LIMIT);
    const out: JobSummary[] = [];
    for (let i = 0; i < keys.length && out.length < limit; i += 500) {
      const values = await this.redis.mget(...keys.slice(i, i + 500));
      for (const v of values) {
        if (!v || out.length >= limit) continue;
        let r: { status?: string; task_id?: string; name?: string; queue?: string; traceback?: string; result?: unknown; date_done?: string; args?: unknown; retries?: number };
        try {
          r = JSON.parse(v) as typeof r;
        } catch {
          continue;
        }
        if (r.queue !== queue.name || (state === 'failed' ? r.status !== 'FAILURE' : r.status !== 'SUCCESS')) continue;
        const done = r.date_done ? Date.parse(r.date_done.endsWith('Z') || /[+-]\d\d:\d\d$/.test(r.date_done) ? r.date_done : `${r.date_done}Z`) : NaN;
        const s: JobSummary = { id: r.task_id ?? '?', name: r.name ?? '?', state, attempts: r.retries ?? 0, ageMs: Number.isFinite(done) ? Math.max(0, now - done) : null, preview: preview(JSON.stringify(r.args ?? r.result ?? null)) };
        if (state === 'failed') {
          const exc = r.result as { exc_type?: string; exc_message?: unknown } | undefined;
          if (r.traceback) s.trace = r.traceback.slice(-TRACE_KEPT);
          s.failedAt = Number.isFinite(done) ? done : null;
          s.failedReason = exc?.exc_type ? `${exc.exc_type}: ${Array.isArray(exc.exc_message) ? exc.exc_message.join(' ') : String(exc.exc_message ?? '')}` : preview((r.traceback ?? '').trim().split('\n').pop() ?? '', 200);
        }
        out.push(s);
      }
    }
    return out;
  }

  /**
   * Pending and ETA tasks oldest first from the queue's lists (matched on the message as stored:
   * the id, the task name and argsrepr; the body is base64), then the prefetched ones a worker
   * holds (`unacked`, a few); finished tasks from the result backend (a bounded SCAN).
   */
  async search(queue: QueueRef, state: JobState, query: SearchQuery, now: number): Promise<SearchPage> {
    if (state === 'completed' || state === 'failed') {
      const rows = await this.results(queue, state, RESULT_SCAN_LIMIT, now);
      return searchInMemory(rows, query, (j) => j, (j) => `${j.id}\n${j.name}\n${j.preview}\n${j.failedReason ?? ''}`);
    }
    const held = await this.unackedOf(queue.name);
    // Running (inspect active), then reserved by a worker (prefetched, no ETA).
    if (state === 'active') return searchInMemory([...(await this.activeTasks(queue.name)), ...held.filter((m) => !taskInfo(m).eta)], query, (m) => summarize(taskInfo(m), 'active'));
    if (state !== 'pending' && state !== 'delayed') return { jobs: [], cursor: null, scanned: 0, total: 0 };
    const wantEta = state === 'delayed';
    const lists = this.listSources(queue);
    // The prefetched tasks come after the lists, as one more source (cursor "<lists>.<offset>").
    const inHeld = parseCursor(query.cursor, lists.length + 1);
    const page = inHeld.source < lists.length
      ? await searchSources(this.redis, lists, query, (hit) => {
        const t = taskInfo(hit.member);
        return !!t.eta === wantEta ? summarize(t, state) : undefined;
      })
      : { jobs: [], cursor: null, scanned: 0, total: 0 };
    if (page.cursor !== null || page.jobs.length >= query.limit) return page;
    const rest = held.filter((m) => !!taskInfo(m).eta === wantEta);
    const more = searchInMemory(rest, { text: query.text, limit: query.limit - page.jobs.length, cursor: inHeld.source === lists.length ? `0.${inHeld.offset}` : undefined }, (m) => summarize(taskInfo(m), state));
    return { jobs: [...page.jobs, ...more.jobs], cursor: more.cursor === null ? null : `${lists.length}.${more.cursor.split('.')[1]}`, total: page.total + more.total, scanned: page.scanned + more.scanned };
  }

  /**
   * One task: its message, still queued or prefetched (found by a bounded search for its id), and
   * its result in the backend. Either alone is enough; neither means it is gone.
   */
  async get(queue: QueueRef, id: string): Promise<JobDetail | undefined> {
    const [queued, held, result] = await Promise.all([this.findQueued(queue, id), this.unackedOf(queue.name), this.redis.get(this.keys.result(id))]);
    const prefetched = held.find((m) => messageId(m) === id);
    const message: CeleryMessage | undefined = queued !== undefined ? { where: 'queued', raw: queued } : prefetched !== undefined ? { where: 'prefetched', raw: prefetched } : undefined;
    // A result of another queue's task (result_extended names it) is not this queue's job.
    const r = result ? (jsonOrNull(result) as { queue?: string } | null) : null;
    if (!message && r?.queue && r.queue !== queue.name) return undefined;
    return celeryJobDetail(queue, id, message, result);
  }

  /**
   * The result names its queue where result_extended is on; else the task is looked for among the
   * messages still queued or prefetched, queue by queue.
   */
  async locate(id: string): Promise<QueueRef[]> {
    const refs = await this.discover();
    const r = jsonOrNull((await this.redis.get(this.keys.result(id))) ?? '') as { queue?: string } | null;
    if (r?.queue) return refs.filter((q) => q.name === r.queue);
    const out: QueueRef[] = [];
    for (const q of refs) if ((await this.findQueued(q, id)) !== undefined || (await this.unackedOf(q.name)).some((m) => messageId(m) === id)) out.push(q);
    return out;
  }

  private async findQueued(queue: QueueRef, id: string): Promise<string | undefined> {
    return (await findMember(this.redis, this.listSources(queue), JSON.stringify(id), (m) => messageId(m) === id))?.member;
  }

  /** The queue's list and its priority lists, oldest message first (kombu pushes on the left). */
  private listSources(queue: QueueRef): SearchSource[] {
    return this.keys.queueLists(queue.name).map((key) => ({ key, kind: 'list', order: 'rev', members: 'payload' }));
  }

  /** The messages of this queue that workers have prefetched (kombu's `unacked`: [message, exchange, routing key]). */
  private async unackedOf(queue: string): Promise<string[]> {
    const out: string[] = [];
    for (const v of await this.redis.hvals(this.keys.unacked())) {
      try {
        const [msg, , rk] = JSON.parse(v) as [unknown, string, string];
        if (rk === queue) out.push(JSON.stringify(msg));
      } catch {
        // not a kombu entry
      }
    }
    return out;
  }

  async workers(queue?: QueueRef): Promise<WorkersResult> {
    // No Celery queue on this Redis: no worker to ask (and no second to wait for replies).
    if (!queue && (await this.discover()).length === 0) return { workers: [] };
    await this.control.listen();
    // Just started listening: ask every worker directly, so the first answer is complete. The wait
    // ends when every live worker has answered (not at the timeout): a one-shot `chaperone queues`
    // answers in milliseconds, not after a second of waiting, even where dead workers left bindings.
    if (Date.now() - this.control.listeningSince < 3000) {
      const pongs = await this.control.broadcast('ping', {}, { replyMs: 1000 });
      for (const p of pongs) for (const host of Object.keys(p)) if (!this.control.heartbeats.has(host)) this.control.heartbeats.set(host, { hostname: host, at: Date.now() });
    }
    const now = Date.now();
    const alive = [...this.control.heartbeats.values()].filter((h) => now - h.at < HEARTBEAT_ALIVE_MS);
    let queuesOf = new Map<string, string[]>();
    if (alive.length) {
      const replies = await this.control.broadcast('active_queues', {}, { replyMs: 1000, limit: alive.length });
      queuesOf = new Map(replies.flatMap((r) => Object.entries(r).map(([host, qs]) => [host, Array.isArray(qs) ? qs.map((q: { name?: string }) => `celery:${q.name ?? '?'}`) : []] as [string, string[]])));
      // Kept for counts(): which queue a single-queue worker's running tasks belong to.
      for (const [host, qs] of queuesOf) this.queuesOf.set(host, qs.map((q) => q.slice('celery:'.length)));
    }
    const workers: LiveWorker[] = alive
      .map((h) => ({
        id: h.hostname, source: 'celery heartbeats', host: h.hostname.split('@')[1], pid: h.pid, queues: queuesOf.get(h.hostname) ?? [], processes: 1,
        actions: ['quiet', 'stop'] as ('quiet' | 'stop')[],
        detail: `${h.active ?? '?'} active, ${h.processed ?? '?'} processed${h.loadavg ? `, load ${h.loadavg.join(' ')}` : ''}`,
      }))
      .filter((w) => !queue || w.queues.includes(queue.id));
    return { workers };
  }

  /** The exact message leaves the queue (and is revoked too, should a copy sit prefetched). */
  async cancel(queue: QueueRef, id: string): Promise<ActionResult> {
    const lists = this.keys.queueLists(queue.name);
    const removed = await CELERY_CANCEL.run(this.redis, lists.length, ...lists, id);
    if (removed) {
      await this.control.broadcast('revoke', { task_id: id, terminate: false, signal: 'SIGTERM' });
      return done(`cancelled pending task ${id} of ${queue.id} (removed, and revoked in case a worker holds a copy)`);
    }
    if (await this.prefetched(queue.name, id)) {
      return taken(`task ${id} of ${queue.id} was prefetched by a worker: stop it with cancel --running (revoke)`);
    }
    return notFound(`no pending task ${id} in ${queue.id}; a worker may have run it (Celery keeps no record without a result backend)`);
  }

  /** revoke with terminate: the signal reaches the pool process running it. */
  async cancelActive(_queue: QueueRef, id: string): Promise<ActionResult> {
    await this.control.broadcast('revoke', { task_id: id, terminate: true, signal: 'SIGTERM' });
    return done(`revoke (terminate, SIGTERM) of task ${id} sent to every worker: a running task is killed; a prefetched one will not run`);
  }

  /** A failed task is its result in the backend: AsyncResult.forget() deletes it. */
  async deleteFailed(queue: QueueRef, id: string): Promise<ActionResult> {
    const key = this.keys.result(id);
    const r = jsonOrNull((await this.redis.get(key)) ?? '') as { status?: string; queue?: string } | null;
    if (!r) return notFound(`no result of task ${id} in the backend`);
    if (r.queue && r.queue !== queue.name) return notFound(`task ${id} belongs to celery:${r.queue}, not ${queue.id}`);
    if (r.status !== 'FAILURE') return refused(`task ${id} is ${r.status ?? 'unknown'}, not failed: not deleted`);
    await this.redis.del(key);
    this.failedIndex.forget(id);
    return done(`deleted the failed result of task ${id} (as AsyncResult.forget())`);
  }

  /** Results in the backend done more than the grace ago, deleted as AsyncResult.forget() (Celery's own cleanup leaves Redis to the TTL). */
  async clean(queue: QueueRef, state: 'completed' | 'failed', graceMs: number, limit: number): Promise<ActionResult> {
    const gone = await deleteOldResults(this.redis, this.keys, queue.name, state === 'completed' ? 'SUCCESS' : 'FAILURE', Date.now() - graceMs, limit);
    for (const id of gone) this.failedIndex.forget(id);
    return done(`removed ${gone.length} ${state} task result(s) of ${queue.id} older than ${Math.round(graceMs / 1000)}s from the result backend (as AsyncResult.forget())`);
  }

  async retry(queue: QueueRef): Promise<ActionResult> {
    return refused(`Celery keeps no failed tasks to retry (only results in the backend, without the message): ${queue.id} is unchanged`);
  }

  async promote(queue: QueueRef): Promise<ActionResult> {
    return refused(`Celery ETA tasks are held by the worker that prefetched them: they cannot be run early from outside (${queue.id})`);
  }

  async pause(queue: QueueRef): Promise<ActionResult> {
    const replies = await this.control.broadcast('cancel_consumer', { queue: queue.name }, { replyMs: 1000 });
    const stopped = replies.filter((r) => Object.values(r).some((v) => typeof v === 'object' && v !== null && 'ok' in v));
    if (stopped.length === 0) return refused(`no live Celery worker consumes ${queue.id}: Celery pauses per worker (cancel_consumer), not the queue itself, so there is nothing to pause`);
    return done(`${stopped.length} worker(s) stopped consuming ${queue.id} (cancel_consumer; not persistent: a restarted worker consumes it again)`);
  }

  async resume(queue: QueueRef): Promise<ActionResult> {
    const replies = await this.control.broadcast('add_consumer', { queue: queue.name }, { replyMs: 1000 });
    if (replies.length === 0) return refused(`no live Celery worker answered: nothing to resume for ${queue.id}`);
    return done(`${replies.length} worker(s) consume ${queue.id} again (add_consumer)`);
  }

  async purge(queue: QueueRef): Promise<ActionResult> {
    const lists = this.keys.queueLists(queue.name);
    const pipe = this.redis.multi();
    for (const k of lists) pipe.llen(k);
    pipe.del(...lists);
    const res = (await pipe.exec()) ?? [];
    const n = res.slice(0, lists.length).reduce((a, [, v]) => a + Number(v), 0);
    return done(`deleted the ${n} pending task(s) of ${queue.id} (as celery purge)`);
  }

  async stopWorker(workerId: string, mode: 'quiet' | 'stop'): Promise<ActionResult> {
    if (mode === 'quiet') {
      const qs = await this.control.broadcast('active_queues', {}, { destination: [workerId], replyMs: 1000, limit: 1 });
      const names = qs.flatMap((r) => Object.values(r).flatMap((x) => (Array.isArray(x) ? x.map((q: { name?: string }) => q.name ?? '') : []))).filter(Boolean);
      if (qs.length === 0) return notFound(`no reply from Celery worker ${workerId}`);
      for (const q of names) await this.control.broadcast('cancel_consumer', { queue: q }, { destination: [workerId] });
      return done(`${workerId} stopped consuming ${names.join(', ')} (cancel_consumer)`);
    }
    const pong = await this.control.broadcast('ping', {}, { destination: [workerId], replyMs: 1000, limit: 1 });
    if (pong.length === 0) return notFound(`no reply from Celery worker ${workerId}`);
    await this.control.broadcast('shutdown', {}, { destination: [workerId] });
    return done(`shutdown sent to ${workerId}: a warm shutdown (running tasks finish)`);
  }

  async restartWorkers(): Promise<ActionResult> {
    const pongs = await this.control.broadcast('ping', {}, { replyMs: 1000 });
    await this.control.broadcast('shutdown', {});
    return done(`shutdown sent to every Celery worker (${pongs.length} answered a ping): each finishes its tasks and exits; its supervisor starts it again`);
  }

  async close(): Promise<void> {
    this.control.close();
  }


  private async prefetched(queue: string, id: string): Promise<boolean> {
    const needle = `"id": "${id}"`;
    return (await this.redis.hvals(this.keys.unacked())).some((v) => v.includes(needle) && v.endsWith(`"${queue}"]`));
  }
}

function summarize(t: ReturnType<typeof taskInfo>, state: JobState): JobSummary {
  const eta = t.eta ? Date.parse(t.eta) : NaN;
  return {
    ...(Number.isFinite(eta) ? { runAt: eta } : {}),
    id: t.id ?? '?',
    name: t.task ?? '?',
    state,
    attempts: t.retries ?? 0,
    ageMs: null,
    preview: preview(JSON.stringify(t.args ?? null)),
    fields: scalarFields(t.fields),
  };
}
