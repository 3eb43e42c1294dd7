// One contract, five queue systems. Callers (CLI, views, scaler) talk only to this interface and
// offer only what an adapter's capabilities say the system can really do.

import type { QueueRef, SystemName } from '../core/queue-ref';

import type { FlowReading } from '../core/signals/flow';

export { queueRef, type QueueRef, type SystemName } from '../core/queue-ref';
export type { FlowReading } from '../core/signals/flow';


/** Common keys every adapter fills (0 where the system has no such state), plus its own. */
export interface QueueCountsRecord {
  pending: number;
  delayed: number;
  active: number;
  failed: number;
  [systemSpecific: string]: number;
}

export interface QueueCounts {
  queue: QueueRef;
  counts: QueueCountsRecord;
  /** Age of the oldest pending job, null when nothing is pending or the system does not tell. */
  oldestPendingAgeMs: number | null;
  /** Average runtime of recent jobs, where the system keeps what it takes to tell. */
  runtimeMs: number | null;
  paused: boolean;
}

export type JobState = 'pending' | 'delayed' | 'active' | 'failed' | 'completed' | 'prioritized' | 'waiting-children';

export interface JobSummary {
  id: string;
  name: string;
  state: JobState;
  attempts: number;
  /** Since it was created/enqueued; null when unknown. */
  ageMs: number | null;
  /** A short, single-line preview of the payload (never the whole thing). */
  preview: string;
  failedReason?: string;
  /** A failed job's trace as stored (its first 4 KB): failure groups take its top frame. */
  trace?: string;
  /** When it failed (ms since the epoch), where the system records it. */
  failedAt?: number | null;
  /** A delayed job: when it runs (ms since the epoch), where the system records it. */
  runAt?: number | null;
  /** Scalar top-level fields of the payload (Laravel) or job data (BullMQ), e.g. tenant_id, for tenant mapping. */
  fields?: Record<string, string | number | boolean>;
}

/** The scalar top-level fields of an object (nested ones are left out: they can be large). */
export function scalarFields(obj: unknown, skip: readonly string[] = []): Record<string, string | number | boolean> | undefined {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!skip.includes(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) out[k] = typeof v === 'string' && v.length > 200 ? v.slice(0, 200) : v;
  }
  return out;
}

export interface SearchQuery {
  /** Matched case-insensitively against the id, the name, the payload and the error; '' matches all. */
  text: string;
  /** Where to start: a cursor from the previous page, or undefined for the first page. */
  cursor?: string;
  limit: number;
}

export interface SearchPage {
  jobs: JobSummary[];
  /** Where the next page starts, or null when the state has been read to its end. */
  cursor: string | null;
  /** Members read for this page, and the size of the state's collections. */
  scanned: number;
  total: number;
}

/** One job as its system keeps it: what `chaperone job` prints and the editor's job document shows. */
export interface JobDetail {
  id: string;
  /** The job's name (BullMQ), function or class (RQ, Sidekiq, Celery, Laravel). */
  name: string;
  queue: QueueRef;
  /** The state as the system names it ("failed", "delayed", "waiting-children", "started"…). */
  state: string;
  /** The payload exactly as stored, and decoded where it is JSON (else null: shown as text). */
  payload: { text: string; json: unknown };
  /** What the job was enqueued with (attempts, backoff, delay, priority, timeout, parent…), as stored. */
  options: Record<string, unknown>;
  /** ms since the epoch; null where the system keeps none. */
  timestamps: { enqueued: number | null; runAt: number | null; started: number | null; finished: number | null; failed: number | null };
  attempts: { made: number; allowed: number | null };
  /** The last failure: its class, message and the whole stack trace as the system stored it. */
  error: { class: string | null; message: string; stack: string } | null;
  /** The return value where the system keeps it (decoded JSON, or text). */
  result?: unknown;
  progress?: unknown;
  /** BullMQ job logs (job.log). */
  logs?: string[];
  /** The worker running (or that ran) it, where the system records one. */
  worker?: string;
  /** Parts of the payload decoded to be read as text (Laravel's serialized PHP command). */
  texts?: { title: string; text: string }[];
}

export interface LiveWorker {
  id: string;
  /** Where this comes from: the system's own registry, or Chaperone's supervisor. */
  source: string;
  host?: string;
  pid?: number;
  queues?: string[];
  /** Worker processes behind this entry (a Horizon supervisor runs several); 1 when absent. */
  processes?: number;
  detail?: string;
  /** The jobs it runs now, where the system records them (Sidekiq's Busy page, RQ's current job). */
  running?: { id: string; name: string; queue: string; sinceMs: number | null }[];
  /** What can be asked of it through the system's own channel (the adapter's stopWorker). */
  actions?: ('quiet' | 'stop')[];
}

export type WorkersResult = { workers: LiveWorker[] } | { unavailable: string };

export type Capability =
  | 'cancel-pending' // remove a job that no worker has taken
  | 'cancel-delayed'
  | 'mark-failed-active' // BullMQ: the handler keeps running; presented as "mark failed"
  | 'retry-failed'
  | 'replay-failed' // a copy of a failed job as a new job on its queue; the failed one stays
  | 'promote-delayed'
  | 'pause' // persistent: the queue stays paused whatever workers come and go
  | 'resume'
  | 'pause-consumers' // Celery: the live workers stop consuming the queue (not persistent)
  | 'restart-workers' // every worker of the system on this connection, after its current job
  | 'clean' // remove finished (completed / failed) jobs older than a grace period
  | 'purge' // delete every pending job of a queue (drain it)
  | 'kill' // move a failed-but-retrying job to the dead set (Sidekiq)
  | 'delete-failed' // delete one failed job and what the system keeps of it
  | 'stop-worker' // quiet or stop one live worker through the system's own channel
  | 'cancel-active' // stop a running job (RQ stop-job, Celery revoke + terminate)
  | 'workers';

export interface ActionResult {
  ok: boolean;
  /** 'taken': a worker got the job first; 'not-found': no such job; 'refused': read-only or unsupported. */
  status: 'done' | 'taken' | 'not-found' | 'refused';
  message: string;
}

/** Where an adapter hands the counts of one of its calls as they arrive (see QueueAdapter.counts). */
export type CountsPart = (counts: readonly QueueCounts[]) => void;

export interface QueueAdapter {
  readonly system: SystemName;
  readonly connection: string;
  readonly capabilities: ReadonlySet<Capability>;
  /** Queues on this connection (SCAN, cached for a while). */
  discover(force?: boolean): Promise<QueueRef[]>;
  /**
   * Counts of the given queues in one round trip. An adapter that reads them in several script
   * calls hands each call's counts to `part` as its reply arrives (so that a reader works on them
   * while Redis reads the rest), or never calls it; the result holds them all either way.
   */
  counts(queues: readonly QueueRef[], now: number, part?: CountsPart): Promise<QueueCounts[]>;
  list(queue: QueueRef, state: JobState, limit: number, now: number): Promise<JobSummary[]>;
  /**
   * What finished since the last call, from the system's own records (one reading per queue, or
   * one for the whole system where it counts only system-wide; 'unknown' with the reason where it
   * keeps nothing). The first call sets the cursors.
   */
  flow(queues: readonly QueueRef[], now: number): Promise<FlowReading[]>;
  workers(queue?: QueueRef): Promise<WorkersResult>;
  /**
   * Jobs of one state whose id, name, payload or error hold the text, a page at a time: the
   * state's lists and sets are read in bounded slices inside Redis (never KEYS, never one long call).
   */
  search(queue: QueueRef, state: JobState, query: SearchQuery, now: number): Promise<SearchPage>;
  /** One job, whole (undefined when it is gone: finished and removed, or never there). */
  get(queue: QueueRef, jobId: string): Promise<JobDetail | undefined>;
  /**
   * The queues holding a job of this id, where the system keys jobs by id (BullMQ, RQ, Celery,
   * Horizon); undefined where it keys nothing by id here (plain Laravel).
   */
  locate?(jobId: string): Promise<QueueRef[] | undefined>;
  cancel(queue: QueueRef, jobId: string): Promise<ActionResult>;
  retry(queue: QueueRef, jobId: string | { allFailed: true }): Promise<ActionResult>;
  /** Runs a delayed job now: it becomes pending at once. */
  promote(queue: QueueRef, jobId: string): Promise<ActionResult>;
  pause(queue: QueueRef): Promise<ActionResult>;
  resume(queue: QueueRef): Promise<ActionResult>;
  /** Marks a running job failed. The handler is NOT stopped (the system has no way): say so. */
  markFailed?(queue: QueueRef, jobId: string, reason: string): Promise<ActionResult>;
  /** Removes finished jobs of `state` older than `graceMs`, at most `limit` of them. */
  clean?(queue: QueueRef, state: 'completed' | 'failed', graceMs: number, limit: number): Promise<ActionResult>;
  /** Deletes every pending job of the queue. */
  purge?(queue: QueueRef): Promise<ActionResult>;
  /** Deletes one failed job (its record, its trace): the system forgets it, as its own UI's Delete does. */
  deleteFailed?(queue: QueueRef, jobId: string): Promise<ActionResult>;
  /**
   * A copy of a failed job as a new job (its payload and options, a new id) on the same queue, or on
   * `to`, another queue of the same system and connection (a debug worker's): the failed one stays
   * as it is, to compare. The message names the new job and where it went.
   */
  replay?(queue: QueueRef, jobId: string, to?: string): Promise<ActionResult>;
  /** Sidekiq: a retry or scheduled job goes to the dead set. */
  kill?(queue: QueueRef, jobId: string): Promise<ActionResult>;
  /** quiet: take no new jobs (Sidekiq TSTP, Celery cancel_consumer); stop: warm shutdown. */
  stopWorker?(workerId: string, mode: 'quiet' | 'stop'): Promise<ActionResult>;
  /** RQ: suspend (or resume) every worker on the connection. */
  suspend?(on: boolean): Promise<ActionResult>;
  /** Stops a running job where the system can (RQ stop-job, Celery revoke with terminate). */
  cancelActive?(queue: QueueRef, jobId: string): Promise<ActionResult>;
  /** Asks every worker of this system on the connection to exit after its current job (their supervisor starts them again). */
  restartWorkers?(): Promise<ActionResult>;
  close(): Promise<void>;
}

export function refused(message: string): ActionResult {
  return { ok: false, status: 'refused', message };
}

/** One line, at most `max` characters: for payload previews in lists and trees. */
export function preview(text: string, max = 160): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** The job or queue changed as asked. */
export function done(message: string): ActionResult {
  return { ok: true, status: 'done', message };
}

/** A worker got the job first: nothing was changed. */
export function taken(message: string): ActionResult {
  return { ok: false, status: 'taken', message };
}

/** No such job or queue (finished or removed?). */
export function notFound(message: string): ActionResult {
  return { ok: false, status: 'not-found', message };
}

/** JSON when it parses, else null (the text is shown as it is). */
export function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/**
 * The rows of a counts script's one-string reply ("3,0,1,-1;0,0,0,-1"), read row by row into an
 * array the caller keeps: no string, array or object is made per row or field (a thousand rows a
 * tick). Each field is read as Number would read it; a row with fewer fields reads 0 for the rest
 * (as Number('') does), and fields beyond those asked for are skipped.
 */
export class ScriptRows {
  private at = 0;

  constructor(private readonly text: string) {}

  /** The next row's first `into.length` fields, into `into`. */
  next(into: number[]): void {
    const text = this.text;
    let rowEnd = text.indexOf(';', this.at);
    if (rowEnd < 0) rowEnd = text.length;
    let at = this.at;
    for (let i = 0; i < into.length; i++) {
      let end = at <= rowEnd ? text.indexOf(',', at) : -1;
      if (end < 0 || end > rowEnd) end = rowEnd;
      into[i] = at < end ? fieldOf(text, at, end) : 0;
      at = end + 1;
    }
    this.at = rowEnd + 1;
  }
}

/** One field as Number reads it; whole numbers (the common case) digit by digit, with no string made. */
function fieldOf(text: string, from: number, end: number): number {
  let v = 0;
  let sign = 1;
  let k = from;
  if (text.charCodeAt(k) === 45) {
    sign = -1;
    k++;
  }
  if (k === end) return Number(text.slice(from, end));
  for (; k < end; k++) {
    const c = text.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return Number(text.slice(from, end));
    v = v * 10 + c;
  }
  return sign * v;
}
