// RQ (1.x, with 2.x execution ids and 1.15+ intermediate lists where present). Queues from
// `rq:queues`, registries per state, workers from `rq:workers`. Rows are shown by their
// `description`; a job opened, or searched for, has its pickled call decoded (rq-data.ts). A running job can be stopped (stop-job over the
// worker's pubsub channel); pausing is all-or-nothing in RQ (suspend).
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { decodeRqData } from './rq-data';
import { done, jsonOrNull, queueRef, notFound, preview, refused, taken, type ActionResult, type CountsPart, type JobDetail, type Capability, type JobState, type JobSummary, type LiveWorker, type QueueAdapter, type QueueCounts, type QueueRef, type WorkersResult } from '../contract';
import { chunkedAfter, QueueDiscovery } from '../queue-discovery';
import { errorOf, numOrNull, TRACE_KEPT } from '../job-detail';
import type { RedisClient } from '../redis-client';
import { RqKeys, rqTime, type RqRegistry } from './rq-keys';
import { RqFlow } from './rq-flow';
import type { FlowReading } from '../../core/signals/flow';
import { RQ_CANCEL_LUA, RQ_COUNTS_CHUNK, RQ_COUNTS_FIRST_CHUNK, RQ_COUNTS_LUA, RQ_DELETE_JOB_LUA, RQ_EMPTY_LUA, RQ_REPLAY_LUA, RQ_REQUEUE_LUA } from './rq-scripts';
import { asciiLower, parseCursor, searchSources, type SearchPage, type SearchQuery, type SearchSource } from '../job-search';
import { LuaScript, runEach } from '../lua-script';

const RQ_CANCEL = new LuaScript(RQ_CANCEL_LUA);
const RQ_COUNTS = new LuaScript(RQ_COUNTS_LUA);
const RQ_EMPTY = new LuaScript(RQ_EMPTY_LUA);
const RQ_DELETE_JOB = new LuaScript(RQ_DELETE_JOB_LUA);
const RQ_REQUEUE = new LuaScript(RQ_REQUEUE_LUA);
const RQ_REPLAY = new LuaScript(RQ_REPLAY_LUA);

/** A worker whose heartbeat is older than this is not listed (RQ's default worker TTL is 420 s). */
const HEARTBEAT_ALIVE_MS = 420_000;

const inflate = promisify(zlib.inflate);
/** A trace decompressed beyond this is shown as stored (no traceback is megabytes). */
const MAX_TRACE_BYTES = 4 * 1024 * 1024;

/** A search reads this many jobs at a time, to decode and match them here. */
const DECODED_SLICE = 300;
const JOB_FIELDS = ['description', 'status', 'origin', 'enqueued_at', 'created_at', 'started_at', 'ended_at', 'worker_name'] as const;

/** A state's list or registry, and the order it is shown in. */
interface StateSource {
  key: string;
  kind: 'list' | 'zset';
  order: 'fwd' | 'rev';
  registry?: RqRegistry;
}

export interface RqOptions {
  prefix?: string;
}

/** RQ's own format for a timestamp. */
function rqFormat(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class RqAdapter implements QueueAdapter {
  readonly system = 'rq' as const;
  readonly capabilities: ReadonlySet<Capability>;
  private readonly keys: RqKeys;
  private readonly discovery: QueueDiscovery;

  private readonly flowReader: RqFlow;

  constructor(
    readonly connection: string,
    private readonly redis: RedisClient,
    opts: RqOptions = {},
  ) {
    this.keys = new RqKeys(opts.prefix ?? 'rq:');
    this.flowReader = new RqFlow(redis, this.keys);
    this.discovery = new QueueDiscovery('rq', connection, async () => (await redis.smembers(this.keys.queues())).map((k) => this.keys.queueFromKey(k)).filter((n): n is string => !!n));
    const writes: Capability[] = ['cancel-pending', 'cancel-delayed', 'retry-failed', 'replay-failed', 'promote-delayed', 'cancel-active', 'purge', 'stop-worker', 'restart-workers', 'delete-failed', 'clean'];
    this.capabilities = new Set<Capability>(['workers', ...writes]);
  }

  discover(force = false): Promise<QueueRef[]> {
    return this.discovery.discover(force);
  }

  /**
   * Chunks of queues, one script call each, sent as each is built and read as its reply comes in
   * (runEach), its counts handed to `part` then: Redis serves other clients between two chunks,
   * where one call for a thousand queues held it for their whole count. Still one round trip.
   */
  async counts(queues: readonly QueueRef[], now: number, part?: CountsPart): Promise<QueueCounts[]> {
    if (queues.length === 0) return [];
    const at = String(now / 1000);
    const parts = await runEach(
      this.redis,
      RQ_COUNTS,
      chunkedAfter(queues, RQ_COUNTS_FIRST_CHUNK, RQ_COUNTS_CHUNK),
      (c) => [0, [this.keys.prefix, at, ...c.map((q) => q.name)]],
      (c, reply) => {
        const counts = this.countsOf(c, reply as [number, ...string[]], now);
        part?.(counts);
        return counts;
      },
    );
    return parts.flat();
  }

  /** A chunk's counts from its reply: RQ's suspend flag, then a row per queue. */
  private countsOf(queues: readonly QueueRef[], [suspended, ...rows]: [number, ...string[]], now: number): QueueCounts[] {
    return queues.map((queue, i) => {
      const [nums, oldest] = rows[i].split('|');
      const [pending, started, finished, failed, scheduled, deferred, canceled] = nums.split(',').map(Number);
      const at = rqTime(oldest);
      return {
        queue,
        counts: { pending, delayed: scheduled, active: started, failed, started, finished, completed: finished, scheduled, deferred, canceled },
        oldestPendingAgeMs: Number.isFinite(at) ? Math.max(0, now - at) : null,
        runtimeMs: null,
        paused: Number(suspended) > 0,
      };
    });
  }

  flow(queues: readonly QueueRef[]): Promise<FlowReading[]> {
    return this.flowReader.read(queues);
  }

  async list(queue: QueueRef, state: JobState, limit: number, now: number): Promise<JobSummary[]> {
    const n = Math.max(1, limit);
    let ids: string[];
    if (state === 'pending') ids = await this.redis.lrange(this.keys.queue(queue.name), 0, n - 1);
    else {
      const reg: RqRegistry | undefined = ({ delayed: 'scheduled', active: 'wip', failed: 'failed', completed: 'finished' } as Partial<Record<JobState, RqRegistry>>)[state];
      if (!reg) return [];
      // Started, finished and failed entries are scored by their expiry: only live ones count, as
      // in counts(). 2.x keeps "<job>:<execution>" in the started registry: the job id comes first.
      const key = this.keys.registry(reg, queue.name);
      const members = reg === 'scheduled' ? await this.redis.zrange(key, '0', String(n - 1)) : await this.redis.zrangebyscore(key, String(now / 1000), '+inf', 'LIMIT', 0, n);
      ids = members.map((m) => (reg === 'wip' ? m.split(':')[0] : m));
    }
    const jobs = await this.jobs(ids);
    const out = ids.map((id, i) => summarize(id, jobs[i], state, now));
    if (state === 'failed') await this.withFailures(out);
    return out;
  }

  /**
   * Failed rows get their failure: RQ 1.12+ keeps it in the rq:results:<id> stream (exc_string:
   * base64 of zlib), older versions in the job hash (exc_info: zlib bytes). Compressed, so read here.
   */
  private async withFailures(rows: JobSummary[], texts?: readonly string[]): Promise<void> {
    if (rows.length === 0) return;
    const [failures, ended] = await Promise.all([
      texts ?? this.failureTexts(rows.map((r) => r.id)),
      Promise.all(rows.map((r) => this.redis.hget(this.keys.job(r.id), 'ended_at'))),
    ]);
    rows.forEach((row, i) => {
      const text = failures[i];
      if (text) {
        row.failedReason = lastLine(text);
        row.trace = text.slice(-TRACE_KEPT); // a Python traceback ends where it was raised
      }
      const t = rqTime(ended[i] ?? undefined);
      row.failedAt = Number.isFinite(t) ? t : null;
    });
  }

  /** Each job's latest failure, whole: from rq:results (exc_string, base64 of zlib) or the hash's exc_info (zlib). */
  private async failureTexts(ids: readonly string[]): Promise<string[]> {
    const [results, raw] = await Promise.all([
      Promise.all(ids.map((id) => this.redis.xrevrange(this.keys.results(id), '+', '-', 'COUNT', 1))),
      Promise.all(ids.map((id) => this.redis.hgetBuffer(this.keys.job(id), 'exc_info'))),
    ]);
    return Promise.all(ids.map((_, i) => {
      const fields = results[i][0]?.[1] ?? [];
      const exc = fields[fields.indexOf('exc_string') + 1];
      return fields.includes('exc_string') && exc ? inflateText(Buffer.from(exc, 'base64')) : raw[i]?.length ? inflateText(raw[i] as Buffer) : '';
    }));
  }

  /** Where a state's jobs are listed, in the order shown: the queue oldest first (the order workers take it), scheduled jobs by when they run, the other registries newest first. */
  private stateSource(queue: QueueRef, state: JobState): StateSource | undefined {
    const reg = (registry: RqRegistry, order: 'fwd' | 'rev'): StateSource => ({ key: this.keys.registry(registry, queue.name), kind: 'zset', order, registry });
    switch (state) {
      case 'pending': return { key: this.keys.queue(queue.name), kind: 'list', order: 'fwd' };
      case 'delayed': return reg('scheduled', 'fwd');
      case 'active': return reg('wip', 'fwd');
      case 'failed': return reg('failed', 'rev');
      case 'completed': return reg('finished', 'rev');
      default: return undefined;
    }
  }

  /** One slice of a state's list or registry: its members, and their scores in a registry. */
  private async readSlice(src: StateSource, at: number, n: number): Promise<{ members: string[]; scores: (number | null)[] }> {
    if (src.kind === 'list') {
      const members = await this.redis.lrange(src.key, at, at + n - 1);
      return { members, scores: members.map(() => null) };
    }
    const flat = src.order === 'fwd' ? await this.redis.zrange(src.key, at, String(at + n - 1), 'WITHSCORES') : await this.redis.zrevrange(src.key, at, at + n - 1, 'WITHSCORES');
    return { members: flat.filter((_, i) => i % 2 === 0), scores: flat.filter((_, i) => i % 2 === 1).map(Number) };
  }

  /**
   * Jobs of a state whose id, description, call or failure holds the text. RQ pickles the call
   * and compresses the failure, and its description cuts every argument to 75 characters, so none
   * can be matched inside Redis: the state's list or registry is read here in slices of
   * DECODED_SLICE (a range, then each job's fields, data and failure: small commands), decoded
   * (rq-data.ts, off the event loop) and matched as text. The cursor is the offset in that list
   * or registry, as the listing's. A registry entry whose job hash has expired is left out.
   */
  private async searchDecoded(queue: QueueRef, state: JobState, query: SearchQuery, now: number): Promise<SearchPage> {
    const src = this.stateSource(queue, state);
    const { offset } = parseCursor(query.cursor, 1);
    if (!src) return { jobs: [], cursor: null, scanned: 0, total: 0 };
    const needle = asciiLower(query.text);
    const total = src.kind === 'list' ? await this.redis.llen(src.key) : await this.redis.zcard(src.key);
    const jobs: JobSummary[] = [];
    let at = offset;
    while (at < total && jobs.length < query.limit) {
      const { members, scores } = await this.readSlice(src, at, DECODED_SLICE);
      if (members.length === 0) break;
      // 2.x keeps "<job>:<execution>" in the started registry: the job id comes first.
      const ids = members.map((m) => (src.registry === 'wip' ? m.split(':')[0] : m));
      const [fields, data, failures] = await Promise.all([
        Promise.all(ids.map((id) => this.redis.hmget(this.keys.job(id), ...JOB_FIELDS))),
        Promise.all(ids.map((id) => this.redis.hgetBuffer(this.keys.job(id), 'data'))),
        state === 'failed' ? this.failureTexts(ids) : Promise.resolve(ids.map(() => '')),
      ]);
      const calls = await Promise.all(data.map((d) => decodeRqData(d ?? undefined)));
      let i = 0;
      const hits: { row: JobSummary; failure: string }[] = [];
      for (; i < ids.length && jobs.length + hits.length < query.limit; i++) {
        const f = Object.fromEntries(JOB_FIELDS.map((k, n) => [k, fields[i][n] ?? undefined])) as Partial<Record<(typeof JOB_FIELDS)[number], string>>;
        if (!f.status) continue; // its hash expired: nothing but an entry
        const call = calls[i];
        const callText = call.ok ? JSON.stringify(call.call, bigints) : '';
        if (!asciiLower(`${ids[i]}\n${f.description ?? ''}\n${callText}\n${failures[i]}`).includes(needle)) continue;
        const row = summarize(ids[i], f, state, now);
        // The scheduled registry is scored by when the job is enqueued (seconds).
        const score = scores[i];
        if (state === 'delayed' && score !== null) row.runAt = Math.round(score * 1000);
        hits.push({ row, failure: failures[i] });
      }
      if (state === 'failed') await this.withFailures(hits.map((h) => h.row), hits.map((h) => h.failure));
      jobs.push(...hits.map((h) => h.row));
      at += i;
    }
    return { jobs, cursor: at < total ? `0.${at}` : null, scanned: at - offset, total };
  }

  /**
   * A state's jobs in the order stateSource gives. A listing (no text) is read inside Redis, in
   * slices (JOB_SEARCH_LUA); a search is matched here (searchDecoded: the call is pickled). A
   * registry entry whose job hash has expired (RQ cleans registries lazily) is left out.
   */
  async search(queue: QueueRef, state: JobState, query: SearchQuery, now: number): Promise<SearchPage> {
    if (query.text !== '') return this.searchDecoded(queue, state, query, now);
    const src = this.stateSource(queue, state);
    const source: SearchSource | undefined = src && { key: src.key, kind: src.kind, order: src.order, members: 'id', hashPrefix: this.keys.job(''), fields: JOB_FIELDS, matched: 1, idBeforeColon: src.registry === 'wip' };
    const page = await searchSources(this.redis, source ? [source] : [], query, (hit) => {
      const f = hit.fields as Partial<Record<(typeof JOB_FIELDS)[number], string>>;
      if (!f.status) return undefined;
      const row = summarize(state === 'active' ? hit.member.split(':')[0] : hit.member, f, state, now);
      // The scheduled registry is scored by when the job is enqueued (seconds).
      if (state === 'delayed' && hit.score !== null) row.runAt = Math.round(hit.score * 1000);
      return row;
    });
    if (state === 'failed') await this.withFailures(page.jobs);
    return page;
  }

  /**
   * The job hash, its call decoded from `data` (rq-data.ts: the description cuts long arguments),
   * and its latest failure from rq:results (1.12+) or the hash's exc_info (older).
   */
  async get(queue: QueueRef, id: string): Promise<JobDetail | undefined> {
    const [raw, results] = await Promise.all([
      this.redis.hgetallBuffer(this.keys.job(id)),
      this.redis.xrevrange(this.keys.results(id), '+', '-', 'COUNT', 1),
    ]);
    if (!raw || Object.keys(raw).length === 0) return undefined;
    const t = (k: string): string | undefined => raw[k]?.toString('utf8');
    if (t('origin') && t('origin') !== queue.name) return undefined; // another queue's job
    const fields = results[0]?.[1] ?? [];
    const excString = fields.includes('exc_string') ? fields[fields.indexOf('exc_string') + 1] : undefined;
    const stack = excString ? await inflateText(Buffer.from(excString, 'base64')) : raw.exc_info?.length ? await inflateText(raw.exc_info) : '';
    const status = t('status') ?? 'unknown';
    const ended = rqTime(t('ended_at'));
    const started = rqTime(t('started_at'));
    const retriesLeft = numOrNull(t('retries_left'));
    const intervals = jsonOrNull(t('retry_intervals') ?? '');
    const options: Record<string, unknown> = {};
    for (const k of ['timeout', 'result_ttl', 'failure_ttl', 'ttl', 'retries_left', 'depends_on', 'group_id']) if (t(k) !== undefined) options[k] = jsonOrNull(t(k) ?? '') ?? t(k);
    if (intervals !== null) options.retry_intervals = intervals;
    const description = t('description') ?? '';
    const decoded = await decodeRqData(raw.data);
    const name = (decoded.ok ? decoded.call.func : null) ?? /^([\w.]+)\(/.exec(description)?.[1] ?? description;
    const payload = decoded.ok ? { text: JSON.stringify(decoded.call, bigints), json: decoded.call } : { text: description, json: null };
    const detail: JobDetail = {
      id, name, queue, state: status,
      payload,
      texts: [{ title: decoded.ok ? "RQ's description (long arguments cut)" : `RQ's description (the call itself not shown: ${decoded.why})`, text: description }],
      options,
      timestamps: {
        enqueued: numOrNull(rqTime(t('enqueued_at') ?? t('created_at'))), runAt: status === 'scheduled' ? numOrNull(rqTime(t('enqueued_at'))) : null,
        started: numOrNull(started), finished: status === 'finished' ? numOrNull(ended) : null, failed: status === 'failed' ? numOrNull(ended) : null,
      },
      // RQ counts retries left, not attempts: without a Retry, one attempt is allowed.
      attempts: { made: Number.isFinite(started) ? 1 + (retriesLeft !== null && Array.isArray(intervals) ? Math.max(0, intervals.length - retriesLeft) : 0) : 0, allowed: retriesLeft !== null && Array.isArray(intervals) ? intervals.length + 1 : 1 },
      error: stack ? errorOf(stack, null, true) : null,
    };
    const worker = t('worker_name');
    if (worker) detail.worker = worker;
    return detail;
  }

  /** RQ keys a job by id alone; its hash names its queue (origin). */
  async locate(jobId: string): Promise<QueueRef[]> {
    const origin = await this.redis.hget(this.keys.job(jobId), 'origin');
    if (!origin) return [];
    return [(await this.discover()).find((r) => r.name === origin) ?? queueRef('rq', this.connection, origin)];
  }

  async workers(queue?: QueueRef): Promise<WorkersResult> {
    const keys = await this.redis.smembers(this.keys.workers());
    if (keys.length === 0) return { workers: [] };
    const pipe = this.redis.pipeline();
    for (const k of keys) pipe.hmget(k, 'state', 'current_job', 'last_heartbeat', 'pid', 'hostname', 'queues', 'successful_job_count', 'failed_job_count');
    const rows = (await pipe.exec()) ?? [];
    const now = Date.now();
    const out: LiveWorker[] = [];
    keys.forEach((k, i) => {
      const [err, row] = rows[i];
      if (err) return;
      const [state, current, beat, pid, host, queues, ok, failed] = row as (string | null)[];
      const seen = rqTime(beat);
      if (!state || !Number.isFinite(seen) || now - seen > HEARTBEAT_ALIVE_MS) return;
      const qs = (queues ?? '').split(',').filter(Boolean).map((q) => `rq:${q}`);
      if (queue && !qs.includes(queue.id)) return;
      out.push({
        id: k.slice(`${this.keys.prefix}worker:`.length), source: 'rq workers', host: host ?? undefined, pid: Number(pid) || undefined, queues: qs, processes: 1,
        actions: ['stop'],
        ...(current ? { running: [{ id: current, name: '', queue: qs[0] ?? 'rq:?', sinceMs: null }] } : {}),
        detail: `${state}${current ? ` ${current}` : ''}; ${ok ?? 0} done, ${failed ?? 0} failed; heartbeat ${Math.round((now - seen) / 1000)}s ago`,
      });
    });
    return { workers: out };
  }

  /** Job.cancel(): pending (or scheduled) -> canceled, atomically; a started job is "taken". */
  async cancel(queue: QueueRef, id: string): Promise<ActionResult> {
    const k = this.keys;
    const r = (await RQ_CANCEL.run(this.redis, 4, k.queue(queue.name), k.registry('scheduled', queue.name), k.registry('canceled', queue.name), k.job(id), id, String(Date.now() / 1000))) as string;
    if (r === 'pending' || r === 'scheduled') return done(`cancelled ${r} job ${id} of ${queue.id}`);
    if (r === 'started') return taken(`job ${id} of ${queue.id} is running: stop it with cancel --running (stop-job)`);
    if (r) return taken(`job ${id} of ${queue.id} is ${r}, not pending`);
    return notFound(`no job ${id} in ${queue.id}`);
  }

  /** stop-job over the pubsub channel of the worker running it; 0 receivers is reported as such. */
  async cancelActive(queue: QueueRef, id: string): Promise<ActionResult> {
    const [status, worker] = await this.redis.hmget(this.keys.job(id), 'status', 'worker_name');
    if (status === null) return notFound(`no job ${id} in ${queue.id}`);
    if (status !== 'started') return refused(`job ${id} of ${queue.id} is ${status}, not running${status === 'queued' ? ': cancel it without --running' : ''}`);
    const name = worker ?? (await this.workerRunning(id));
    if (!name) return notFound(`no live worker is running job ${id}`);
    const receivers = await this.redis.publish(this.keys.pubsub(name), JSON.stringify({ command: 'stop-job', job_id: id }));
    return receivers > 0
      ? done(`stop-job sent to worker ${name}: it kills the work horse; the job ends as stopped (failed registry)`)
      : notFound(`stop-job for ${id} reached 0 receivers: worker ${name} is not listening (gone?)`);
  }

  async retry(queue: QueueRef, id: string | { allFailed: true }): Promise<ActionResult> {
    if (typeof id !== 'string') {
      const ids = await this.redis.zrange(this.keys.registry('failed', queue.name), '0', '-1');
      let n = 0;
      for (const x of ids) if (await this.requeue('failed', queue, x)) n++;
      return done(`requeued ${n} failed job(s) of ${queue.id}`);
    }
    return (await this.requeue('failed', queue, id))
      ? done(`failed job ${id} of ${queue.id} requeued`)
      : notFound(`no failed job ${id} in ${queue.id}`);
  }

  /** The failed job's call queued again as a new job (RQ_REPLAY_LUA), on its queue or on `to`: the failed one stays. */
  async replay(queue: QueueRef, id: string, to?: string): Promise<ActionResult> {
    const k = this.keys;
    const copy = randomUUID();
    const dest = to ?? queue.name;
    const r = Number(await RQ_REPLAY.run(this.redis, 5, k.registry('failed', queue.name), k.job(id), k.job(copy), k.queue(dest), k.queues(), id, copy, rqFormat(Date.now()), k.queue(dest), dest));
    if (r === 0) return notFound(`no failed job ${id} in ${queue.id}`);
    if (r < 0) return notFound(`failed job ${id} of ${queue.id} has expired (its hash is gone): nothing to replay`);
    return done(`replayed failed job ${id} of ${queue.id} as job ${copy}${to === undefined ? '' : ` on rq:${to}`}, without its retries (the failed one stays)`);
  }

  async deleteFailed(queue: QueueRef, id: string): Promise<ActionResult> {
    const k = this.keys;
    return Number(await RQ_DELETE_JOB.run(this.redis, 3, k.registry('failed', queue.name), k.job(id), k.results(id), id)) === 1
      ? done(`deleted failed job ${id} of ${queue.id} (as job.delete(): its hash and results too)`)
      : notFound(`no failed job ${id} in ${queue.id}`);
  }

  /**
   * Finished or failed jobs that ended more than `graceMs` ago, at most `limit`: their registry is
   * scored by when they expire, not when they ended, so each job's `ended_at` decides; each goes as
   * job.delete() does (out of the registry, its hash and results, in one script).
   */
  async clean(queue: QueueRef, state: 'completed' | 'failed', graceMs: number, limit: number): Promise<ActionResult> {
    const k = this.keys;
    const registry = k.registry(state === 'completed' ? 'finished' : 'failed', queue.name);
    const cutoff = Date.now() - graceMs;
    // The old enough ones first (read in slices), then deleted: deleting while paging would shift the pages.
    const old: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await searchSources(this.redis, [{ key: registry, kind: 'zset', order: 'fwd', members: 'id', hashPrefix: k.job(''), fields: ['ended_at'], matched: 1 }], { text: '', cursor, limit: 500 }, (hit) => ({ id: hit.member, name: '', state, attempts: 0, ageMs: null, preview: '', failedAt: rqTime(hit.fields.ended_at || undefined) }));
      for (const j of page.jobs) {
        // A job whose hash is gone (expired) has no end time: it goes too, it is nothing but an entry.
        const ended = j.failedAt ?? NaN;
        if ((!Number.isFinite(ended) || ended <= cutoff) && old.length < limit) old.push(j.id);
      }
      cursor = old.length < limit ? (page.cursor ?? undefined) : undefined;
    } while (cursor);
    let removed = 0;
    for (const id of old) if (Number(await RQ_DELETE_JOB.run(this.redis, 3, registry, k.job(id), k.results(id), id)) === 1) removed++;
    return done(`removed ${removed} ${state} job(s) older than ${Math.round(graceMs / 1000)}s from ${queue.id} (as job.delete())`);
  }

  async promote(queue: QueueRef, id: string): Promise<ActionResult> {
    return (await this.requeue('scheduled', queue, id))
      ? done(`scheduled job ${id} of ${queue.id} is enqueued now`)
      : notFound(`no scheduled job ${id} in ${queue.id}`);
  }

  async purge(queue: QueueRef): Promise<ActionResult> {
    let total = 0;
    for (;;) {
      const n = Number(await RQ_EMPTY.run(this.redis, 1, this.keys.queue(queue.name), this.keys.prefix));
      total += n;
      if (n === 0) break;
    }
    return done(`deleted the ${total} pending job(s) of ${queue.id} (as Queue.empty)`);
  }

  async pause(queue: QueueRef): Promise<ActionResult> {
    return refused(`RQ cannot pause one queue: it suspends every worker on this Redis (rq suspend). Use \`chaperone suspend rq\` for that; ${queue.id} is unchanged`);
  }

  async resume(queue: QueueRef): Promise<ActionResult> {
    return refused(`RQ has no paused queues, only suspended workers: \`chaperone unsuspend rq\` (${queue.id} is unchanged)`);
  }

  /** rq suspend / resume: every worker on this Redis stops (or starts again) taking jobs. */
  async suspend(on: boolean): Promise<ActionResult> {
    if (on) await this.redis.set(this.keys.suspended(), '1');
    else await this.redis.del(this.keys.suspended());
    return {
      ok: true, status: 'done',
      message: on ? 'every RQ worker on this Redis is suspended (rq suspend): each checks before it waits for a job, so a worker already waiting takes one more' : 'RQ workers resumed (rq resume)',
    };
  }

  /** Warm shutdown of one worker ("stop"); RQ has no "quiet" but suspend, which is for all. */
  async stopWorker(workerId: string, mode: 'quiet' | 'stop'): Promise<ActionResult> {
    if (mode === 'quiet') return refused('RQ cannot quiet one worker: `chaperone suspend rq` suspends them all; or stop this one');
    const receivers = await this.redis.publish(this.keys.pubsub(workerId), JSON.stringify({ command: 'shutdown' }));
    return receivers > 0
      ? done(`shutdown sent to RQ worker ${workerId}: it finishes its current job, then exits`)
      : notFound(`shutdown for ${workerId} reached 0 receivers: no such worker is listening`);
  }

  async restartWorkers(): Promise<ActionResult> {
    const live = await this.workers();
    const ids = 'workers' in live ? live.workers.map((w) => w.id) : [];
    let reached = 0;
    for (const id of ids) if ((await this.stopWorker(id, 'stop')).ok) reached++;
    return done(`shutdown sent to ${reached} of ${ids.length} RQ worker(s): each finishes its job and exits; its supervisor starts it again`);
  }

  async close(): Promise<void> {
    // The connection belongs to the caller.
  }


  private async requeue(from: 'failed' | 'scheduled', queue: QueueRef, id: string): Promise<boolean> {
    const k = this.keys;
    const r = await RQ_REQUEUE.run(this.redis, 4, k.registry(from, queue.name), k.queue(queue.name), k.queues(), k.job(id), id, rqFormat(Date.now()), k.queue(queue.name));
    return Number(r) === 1;
  }

  private async jobs(ids: readonly string[]): Promise<(Partial<Record<(typeof JOB_FIELDS)[number], string>> | undefined)[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hmget(this.keys.job(id), ...JOB_FIELDS);
    return ((await pipe.exec()) ?? []).map(([err, row]) => {
      if (err) return undefined;
      const values = row as (string | null)[];
      if (values.every((v) => v === null)) return undefined;
      const job: Partial<Record<(typeof JOB_FIELDS)[number], string>> = {};
      JOB_FIELDS.forEach((f, i) => {
        if (values[i] !== null) job[f] = values[i] as string;
      });
      return job;
    });
  }

  /** The worker whose hash says it runs job `id` (for jobs saved without a worker_name). */
  private async workerRunning(id: string): Promise<string | undefined> {
    const keys = await this.redis.smembers(this.keys.workers());
    const pipe = this.redis.pipeline();
    for (const k of keys) pipe.hget(k, 'current_job');
    const current = ((await pipe.exec()) ?? []).map(([err, v]) => (err ? null : (v as string | null)));
    const i = current.indexOf(id);
    return i >= 0 ? keys[i].slice(`${this.keys.prefix}worker:`.length) : undefined;
  }
}

function summarize(id: string, j: Partial<Record<(typeof JOB_FIELDS)[number], string>> | undefined, state: JobState, now: number): JobSummary {
  const at = rqTime(j?.enqueued_at ?? j?.created_at);
  const s: JobSummary = {
    id,
    name: (j?.description ?? '?').split('(')[0],
    state,
    attempts: 0,
    ageMs: Number.isFinite(at) ? Math.max(0, now - at) : null,
    // The description, never the pickled data.
    preview: preview(j?.description ?? '(job hash expired)'),
    fields: j?.origin ? { origin: j.origin, status: j.status ?? '' } : undefined,
  };
  return s;
}

/** Python ints beyond 2^53 come out of pickle as bigints, which JSON has no form for. */
function bigints(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** A failure as RQ stored it: zlib-compressed text (off the event loop), or the text itself where it is not compressed. */
async function inflateText(b: Buffer): Promise<string> {
  try {
    return (await inflate(b, { maxOutputLength: MAX_TRACE_BYTES })).toString('utf8');
  } catch {
    return b.toString('utf8');
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return preview(lines[lines.length - 1] ?? text, 200);
}
