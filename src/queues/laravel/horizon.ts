// Laravel Horizon, read (and retried) through its own keys when they exist: masters and supervisors
// as live workers, throughput/runtime metrics per queue, failed and completed jobs, and the retry of
// a failed job done the way Horizon's RetryFailedJob does it. Horizon itself is PHP; nothing here
// starts or signals it.
import { randomUUID } from 'node:crypto';
import { isCluster, type RedisClient } from '../redis-client';
import { done, notFound, preview, refused, taken, type ActionResult, type JobState, type JobSummary, type LiveWorker, type QueueRef } from '../contract';
import { HORIZON_MASTER_ALIVE_S, HORIZON_PENDING_EXPIRES_S, HORIZON_SUPERVISOR_ALIVE_S, type HorizonKeys } from './horizon-keys';
import { HORIZON_FAILED_BY_QUEUE_LUA, HORIZON_FAILED_CHUNK, HORIZON_RETRY_LUA } from './horizon-scripts';
import { addTally } from '../tally';
import type { LaravelKeys } from './laravel-keys';
import type { HorizonRecord } from './laravel-job';
import { TRACE_KEPT } from '../job-detail';
import { LuaScript, execScripts } from '../lua-script';
import { searchSources, type SearchPage, type SearchQuery, type SearchSource } from '../job-search';

const HORIZON_FAILED_BY_QUEUE = new LuaScript(HORIZON_FAILED_BY_QUEUE_LUA);
const HORIZON_RETRY = new LuaScript(HORIZON_RETRY_LUA);

const JOB_FIELDS = ['id', 'connection', 'queue', 'name', 'status', 'payload', 'exception', 'failed_at', 'completed_at', 'retried_by', 'reserved_at'] as const;
type HorizonJob = Partial<Record<(typeof JOB_FIELDS)[number], string>>;
/** The job hash's fields a search matches (the first three) and a row needs. */
const SEARCH_FIELDS = ['name', 'payload', 'exception', 'queue', 'status', 'failed_at'] as const;

const PRESENCE_TTL_MS = 30_000;
const FAILED_COUNTS_EVERY_MS = 10_000;
/** At most this many ids of a Horizon job set are read to fill one page of a queue's jobs. */
const LIST_SCAN_LIMIT = 5000;

export interface HorizonMetrics {
  throughput: number;
  runtimeMs: number | null;
}

export class Horizon {
  private presence: { at: number; present: boolean } | undefined;
  private failed: { at: number; byQueue: Map<string, number> } | undefined;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: HorizonKeys,
    private readonly queueKeys: LaravelKeys,
    private readonly queueConnection: string,
  ) {}

  /** Whether Horizon has ever run against this Redis (its keys exist); checked every 30 s. Never on a Cluster. */
  async present(now = Date.now()): Promise<boolean> {
    if (isCluster(this.redis)) return false;
    if (this.presence && now - this.presence.at < PRESENCE_TTL_MS) return this.presence.present;
    const k = this.keys;
    const n = await this.redis.exists(k.masters(), k.supervisors(), k.jobs('recent_jobs'), k.jobs('failed_jobs'));
    this.presence = { at: now, present: n > 0 };
    return n > 0;
  }

  /**
   * The queues Horizon has records of: those it measured and those with failed jobs. A queue whose
   * list is empty (all done, or all failed) has no key of its own left, but its jobs are still here.
   */
  async queueNames(now: number): Promise<string[]> {
    if (!(await this.present(now))) return [];
    const [measured, failed] = await Promise.all([this.redis.smembers(this.keys.measuredQueues()), this.failedByQueue(now)]);
    return [...measured.filter((m) => m.startsWith('queue:')).map((m) => m.slice('queue:'.length)), ...failed.keys()];
  }

  /** Throughput and average runtime of each queue from its metrics hash, one pipeline. */
  async queueMetrics(queues: readonly QueueRef[]): Promise<Map<string, HorizonMetrics>> {
    const pipe = this.redis.pipeline();
    for (const q of queues) pipe.hmget(this.keys.queueMetrics(q.name), 'throughput', 'runtime');
    const res = (await pipe.exec()) ?? [];
    return new Map(queues.map((q, i) => {
      const [err, row] = res[i];
      const [throughput, runtime] = !err && Array.isArray(row) ? (row as (string | null)[]) : [null, null];
      const rt = runtime === null ? NaN : Number(runtime);
      return [q.name, { throughput: Number(throughput ?? 0) || 0, runtimeMs: Number.isFinite(rt) && rt > 0 ? rt : null }];
    }));
  }

  /** Failed jobs per queue from failed_jobs, recounted at most every 10 s in chunks of 1000 ids. */
  async failedByQueue(now: number): Promise<Map<string, number>> {
    if (this.failed && now - this.failed.at < FAILED_COUNTS_EVERY_MS) return this.failed.byQueue;
    const key = this.keys.jobs('failed_jobs');
    const total = await this.redis.zcard(key);
    const replies = await execScripts(this.redis, (pipe, mode) => {
      for (let start = 0; start < total; start += HORIZON_FAILED_CHUNK) {
        HORIZON_FAILED_BY_QUEUE.queue(pipe, this.redis, mode, 1, key, this.keys.prefix, String(start), String(HORIZON_FAILED_CHUNK));
      }
    });
    const byQueue = new Map<string, number>();
    for (const [err, flat] of replies) {
      if (err) throw err;
      addTally(byQueue, flat);
    }
    this.failed = { at: now, byQueue };
    return byQueue;
  }

  /** Live masters and supervisors (heartbeats within Horizon's own limits), supervisors with their queues. */
  async workers(now: number, queue?: QueueRef): Promise<LiveWorker[]> {
    const sec = Math.floor(now / 1000);
    const [masters, supervisors] = await Promise.all([
      this.redis.zrangebyscore(this.keys.masters(), sec - HORIZON_MASTER_ALIVE_S, '+inf'),
      this.redis.zrangebyscore(this.keys.supervisors(), sec - HORIZON_SUPERVISOR_ALIVE_S, '+inf'),
    ]);
    const pipe = this.redis.pipeline();
    for (const m of masters) pipe.hmget(this.keys.master(m), 'name', 'pid', 'status');
    for (const s of supervisors) pipe.hmget(this.keys.supervisor(s), 'name', 'master', 'pid', 'status', 'processes');
    const rows = ((await pipe.exec()) ?? []).map(([err, r]) => (err ? [] : (r as (string | null)[])));
    const out: LiveWorker[] = [];
    masters.forEach((_m, i) => {
      const [name, pid, status] = rows[i];
      if (!name) return; // the hash expired: Horizon's master is gone
      if (!queue) out.push({ id: name, source: 'horizon master', pid: Number(pid) || undefined, detail: `${status ?? '?'}` });
    });
    supervisors.forEach((_s, i) => {
      const [name, master, pid, status, processesJson] = rows[masters.length + i];
      if (!name) return;
      let processes: Record<string, number> = {};
      try {
        processes = JSON.parse(processesJson ?? '{}') as Record<string, number>;
      } catch {
        // listed without its queues
      }
      const perQueue = Object.entries(processes)
        .map(([connQueue, n]) => ({ conn: connQueue.slice(0, connQueue.indexOf(':')), name: connQueue.slice(connQueue.indexOf(':') + 1), n: Number(n) || 0 }))
        .filter((p) => p.conn === this.queueConnection);
      const mine = queue ? perQueue.filter((p) => p.name === queue.name) : perQueue;
      if (queue && mine.length === 0) return;
      const n = mine.reduce((a, p) => a + p.n, 0);
      out.push({
        id: name, source: 'horizon supervisor', host: master ?? undefined, pid: Number(pid) || undefined,
        queues: mine.map((p) => `laravel:${p.name}`), processes: n,
        detail: `${status ?? '?'}, ${n} process${n === 1 ? '' : 'es'}, master ${master ?? '?'}`,
      });
    });
    return out;
  }

  /** Failed or completed jobs of one queue, newest first, from Horizon's job sets. */
  async list(queue: QueueRef, state: JobState, limit: number, now: number): Promise<JobSummary[]> {
    const set = state === 'failed' ? 'failed_jobs' : state === 'completed' ? 'completed_jobs' : undefined;
    if (!set) return [];
    const out: JobSummary[] = [];
    for (let start = 0; start < LIST_SCAN_LIMIT && out.length < limit; start += 200) {
      const ids = await this.redis.zrange(this.keys.jobs(set), String(start), String(start + 199));
      if (ids.length === 0) break;
      const jobs = await this.hashes(ids);
      for (const j of jobs) if (j.queue === queue.name && j.status === (state === 'failed' ? 'failed' : 'completed') && out.length < limit) out.push(summarize(j, state, now));
    }
    return out;
  }

  /** Failed or completed jobs, newest first, from Horizon's job sets (every queue's ids: a match must be of this queue). */
  search(queue: QueueRef, state: 'failed' | 'completed', query: SearchQuery, now: number): Promise<SearchPage> {
    const source: SearchSource = { key: this.keys.jobs(state === 'failed' ? 'failed_jobs' : 'completed_jobs'), kind: 'zset', order: 'fwd', members: 'id', hashPrefix: this.keys.prefix, fields: SEARCH_FIELDS, matched: 3 };
    return searchSources(this.redis, [source], query, (hit) => {
      const j = hit.fields as HorizonJob;
      return j.queue === queue.name && j.status === state ? summarize({ ...j, id: hit.member }, state, now) : undefined;
    });
  }

  /** As Horizon's JobRepository::deleteFailed (horizon:forget): out of failed_jobs, its hash deleted. */
  async forget(queue: QueueRef, jobId: string): Promise<ActionResult> {
    const [job] = await this.hashes([jobId]);
    if (!job?.status) return notFound(`no Horizon job ${jobId} (its record may have expired: horizon.trim.failed)`);
    if (job.queue !== queue.name) return notFound(`Horizon job ${jobId} belongs to laravel:${job.queue ?? '?'}, not ${queue.id}`);
    if (job.status !== 'failed') return refused(`Horizon job ${jobId} is ${job.status}, not failed: not deleted`);
    // Two steps, not a MULTI (the keys may sit in different slots of a Cluster): the set decides.
    if ((await this.redis.zrem(this.keys.jobs('failed_jobs'), jobId)) !== 1) return taken(`Horizon job ${jobId} left failed_jobs meanwhile`);
    await this.redis.del(this.keys.job(jobId));
    return done(`deleted failed job ${jobId} of ${queue.id} (as horizon:forget)`);
  }

  /** Horizon's record of one job (undefined when it has none, or it was trimmed). */
  async record(jobId: string): Promise<HorizonRecord | undefined> {
    const [job] = await this.hashes([jobId]);
    return job?.status ? job : undefined;
  }

  /** Horizon's RetryFailedJob, atomically: the failed job is pushed again under a new id, recorded on the original. */
  async retry(queue: QueueRef, jobId: string, now: number): Promise<ActionResult> {
    const [job] = await this.hashes([jobId]);
    if (!job?.status) return notFound(`no Horizon job ${jobId} (its record may have expired: horizon.trim.failed)`);
    if (job.status !== 'failed') return refused(`Horizon job ${jobId} is ${job.status}, not failed`);
    if (job.queue !== queue.name) return notFound(`Horizon job ${jobId} belongs to laravel:${job.queue ?? '?'}, not ${queue.id}`);
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(job.payload ?? '') as Record<string, unknown>;
    } catch {
      return refused(`Horizon job ${jobId} has an unreadable payload: not retried`);
    }
    const id = randomUUID();
    const nowS = now / 1000;
    const pushedAt = Number(payload.pushedAt);
    const retryUntil = payload.retryUntil ?? payload.timeoutAt;
    const next = {
      ...payload,
      id, uuid: id, attempts: 0, retry_of: jobId,
      // As RetryFailedJob::prepareNewTimeout: keep the job's original time budget from now.
      retryUntil: typeof retryUntil === 'number' && Number.isFinite(pushedAt) ? Math.floor(nowS) + Math.ceil(retryUntil - pushedAt) : null,
      pushedAt: nowS.toFixed(4),
    };
    const retries = (() => {
      try {
        const r = JSON.parse(job.retried_by ?? '[]') as unknown;
        return Array.isArray(r) ? r : [];
      } catch {
        return [];
      }
    })();
    retries.push({ id, status: 'pending', retried_at: Math.floor(nowS) });
    const q = this.queueKeys;
    const k = this.keys;
    const outcome = (await HORIZON_RETRY.run(this.redis, 6,
      k.job(jobId), q.pending(queue.name), q.notify(queue.name), k.job(id), k.jobs('recent_jobs'), k.jobs('pending_jobs'),
      job.payload ?? '', job.retried_by ?? '', JSON.stringify(next), JSON.stringify(retries), id, job.connection ?? this.queueConnection,
      queue.name, job.name ?? String(payload.displayName ?? '?'), nowS.toFixed(4), String(Math.floor(nowS) + HORIZON_PENDING_EXPIRES_S),
    )) as string;
    this.failed = undefined;
    switch (outcome) {
      case 'pushed':
        return done(`retried failed job ${jobId} of ${queue.id} as ${id} (recorded in Horizon's retried_by)`);
      case 'changed':
        return taken(`failed job ${jobId} of ${queue.id} changed while being retried (retried by someone else?): try again`);
      case 'not-failed':
        return refused(`Horizon job ${jobId} is no longer failed`);
      default:
        return notFound(`no Horizon job ${jobId}`);
    }
  }

  /** Every failed job of the queue that Horizon still lists, each retried as above. */
  async retryAll(queue: QueueRef, now: number): Promise<ActionResult> {
    const failed = await this.list(queue, 'failed', LIST_SCAN_LIMIT, now);
    let done = 0;
    const problems: string[] = [];
    for (const j of failed) {
      const r = await this.retry(queue, j.id, now);
      if (r.ok) done++;
      else problems.push(r.message);
    }
    const rest = problems.length ? `; ${problems.length} not retried: ${problems.slice(0, 3).join('; ')}` : '';
    return { ok: problems.length === 0, status: problems.length === 0 ? 'done' : 'taken', message: `retried ${done} failed job(s) of ${queue.id} the Horizon way${rest}` };
  }

  private async hashes(ids: readonly string[]): Promise<HorizonJob[]> {
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hmget(this.keys.job(id), ...JOB_FIELDS);
    return ((await pipe.exec()) ?? []).map(([err, row]) => {
      if (err) return {};
      const values = row as (string | null)[];
      const job: HorizonJob = {};
      JOB_FIELDS.forEach((f, i) => {
        if (values[i] !== null) job[f] = values[i] as string;
      });
      return job;
    });
  }
}

function summarize(j: HorizonJob, state: JobState, now: number): JobSummary {
  let p: { attempts?: number; pushedAt?: string | number; data?: unknown } = {};
  try {
    p = JSON.parse(j.payload ?? '{}') as typeof p;
  } catch {
    // listed by its hash fields alone
  }
  const at = Number(p.pushedAt);
  const s: JobSummary = {
    id: j.id ?? '?',
    name: j.name ?? '?',
    state,
    attempts: p.attempts ?? 0,
    ageMs: Number.isFinite(at) && at > 0 ? Math.max(0, now - at * 1000) : null,
    preview: preview(JSON.stringify(p.data ?? j.payload ?? '')),
  };
  if (j.exception) {
    // PHP's first line ends with " in /file.php:12": the place goes to the trace, not the reason.
    s.failedReason = preview(j.exception.split('\n')[0].replace(/ in \S+:\d+$/, ''), 200);
    s.trace = j.exception.slice(0, TRACE_KEPT);
  }
  if (state === 'failed') s.failedAt = j.failed_at ? Math.round(Number(j.failed_at) * 1000) || null : null;
  return s;
}
