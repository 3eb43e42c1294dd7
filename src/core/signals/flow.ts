// What finished, read from each system's own records (BullMQ's events stream or metrics, Sidekiq's
// stat counters, RQ's registries, Horizon's metrics, Celery's task events): never from deltas of
// counts the system trims (a completed set capped by removeOnComplete stays flat while jobs finish).
// Adapters keep their own cursor and hand over what finished since their last read; this turns those
// readings into throughput, failure rate and runtime percentiles over a window, each a Figure.
import type { QueueRef, SystemName } from '../queue-ref';
import { known, unknown, type Figure } from './figure';

export interface FlowCounts {
  completed: number;
  /** null where the source does not tell failures apart (Celery worker heartbeats). */
  failed: number | null;
  /** Runtimes (ms) of jobs that finished since the last read, as many as the system kept. */
  runtimesMs: readonly number[];
  /** Records the source dropped before they were read (a trimmed stream); null: a loss of unknown size. */
  lost?: number | null;
}

/** A queue, or a whole system on a connection where the system counts only system-wide. */
export type FlowScope = { kind: 'queue'; ref: QueueRef } | { kind: 'system'; system: SystemName; connection: string };

export type FlowReading =
  /** The first read: the cursor is set, nothing is counted yet. */
  | { scope: FlowScope; source: string; kind: 'baseline' }
  | {
      scope: FlowScope;
      source: string;
      kind: 'delta';
      counts: FlowCounts;
      /**
       * The source adds to its counters in batches about this far apart (Sidekiq writes its stats at
       * each 5 s heartbeat, a Celery worker's heartbeat every 2 s): a reading with nothing new that
       * soon means "not written yet", not "nothing finished", so the interval stays open until the
       * next batch. A rate over the readings where the counters moved has no batch of error.
       */
      batchedEveryMs?: number;
    }
  /** The system keeps nothing this could be read from: why, in words a user can act on. */
  | { scope: FlowScope; kind: 'unknown'; why: string };

export function scopeKey(s: FlowScope): string {
  return s.kind === 'queue' ? `${s.ref.connection}/${s.ref.id}` : `${s.connection}/${s.system}`;
}

/** Throughput and failure rate are over the last minute; runtime percentiles over the last 5. */
export const FLOW_WINDOW_MS = 60_000;
export const RUNTIME_WINDOW_MS = 5 * 60_000;
const MAX_INTERVALS = 600;
const MAX_RUNTIMES = 2048;

export interface FlowFigures {
  /** Finished jobs (completed + failed) per minute. */
  throughput: Figure;
  /** Failed among finished, percent. */
  failureRate: Figure;
  runtimeP50: Figure;
  runtimeP95: Figure;
  /** Finished since the first reading (for reports and tests): completed, failed (null: not told). */
  totals: { since: number; completed: number; failed: number | null };
  /** Runs (finished jobs) and failures of the last hour, from the same readings (the code lens). */
  lastHour: { runs: Figure; failed: Figure };
}

export const HOUR_MS = 3_600_000;

/** One minute of readings: what finished in it (by the reading's end). */
interface MinuteBucket {
  minute: number;
  completed: number;
  failed: number | null;
  lost: number | null;
}

interface Interval {
  from: number;
  to: number;
  completed: number;
  failed: number | null;
  lost: number | null;
}

/** One scope's readings over time: bounded (intervals and runtimes are rings). */
export class FlowWindow {
  private since = NaN;
  private last = NaN;
  private source = '';
  private unknownWhy: string | undefined;
  private readonly intervals: Interval[] = [];
  /** Allocated with the first runtime (most queues of a system that records none never need them). */
  private runtimes: Float64Array | undefined;
  private runtimeAt: Float64Array | undefined;
  private runtimeCount = 0;
  /** The figures of the last `figures(now)`, reused until a reading arrives or time moves. */
  private cached: { now: number; figures: FlowFigures } | undefined;
  private completedTotal = 0;
  private failedTotal: number | null = 0;
  /** The last hour by minute (61 at most). */
  private readonly minutes: MinuteBucket[] = [];

  add(now: number, r: FlowReading): void {
    this.cached = undefined;
    if (r.kind === 'unknown') {
      this.unknownWhy = r.why;
      return;
    }
    this.unknownWhy = undefined;
    // Figures come from one source: a change (Celery workers now sending task events, BullMQ metrics
    // covering a gap) starts the window again rather than mixing what each can tell.
    if (this.source !== '' && r.source !== this.source) this.intervals.length = 0;
    this.source = r.source;
    // A delta without a baseline before it covers an unknown interval: it only sets the start.
    if (r.kind === 'baseline' || Number.isNaN(this.last)) {
      if (Number.isNaN(this.since)) this.since = now;
      this.last = now;
      return;
    }
    const c = r.counts;
    // Two batches' time (one may be late under load) before silence counts as nothing finished.
    const nothingNew = c.completed === 0 && !c.failed && !c.lost && c.runtimesMs.length === 0;
    if (r.batchedEveryMs !== undefined && nothingNew && now - this.last < 2 * r.batchedEveryMs + 1000) return;
    this.intervals.push({ from: this.last, to: Math.max(now, this.last + 1), completed: c.completed, failed: c.failed, lost: c.lost === undefined ? 0 : c.lost });
    this.addToMinute(now, c.completed, c.failed, c.lost === undefined ? 0 : c.lost);
    if (this.intervals.length > MAX_INTERVALS) this.intervals.shift();
    this.last = Math.max(now, this.last + 1);
    this.completedTotal += c.completed;
    this.failedTotal = this.failedTotal === null || c.failed === null ? null : this.failedTotal + c.failed;
    for (const ms of c.runtimesMs) {
      if (!Number.isFinite(ms) || ms < 0) continue;
      this.runtimes ??= new Float64Array(MAX_RUNTIMES);
      this.runtimeAt ??= new Float64Array(MAX_RUNTIMES);
      const i = this.runtimeCount % MAX_RUNTIMES;
      this.runtimes[i] = ms;
      this.runtimeAt[i] = now;
      this.runtimeCount++;
    }
  }

  private addToMinute(now: number, completed: number, failed: number | null, lost: number | null): void {
    const minute = Math.floor(now / 60_000);
    let b = this.minutes[this.minutes.length - 1];
    if (!b || b.minute !== minute) {
      b = { minute, completed: 0, failed: 0, lost: 0 };
      this.minutes.push(b);
      while (this.minutes.length > 61) this.minutes.shift();
    }
    b.completed += completed;
    b.failed = b.failed === null || failed === null ? null : b.failed + failed;
    b.lost = b.lost === null || lost === null ? null : b.lost + lost;
  }

  /** The last hour's runs and failures; a lower bound when the readings began later or lost records. */
  private lastHour(now: number): FlowFigures['lastHour'] {
    if (this.unknownWhy !== undefined) return { runs: unknown(this.unknownWhy), failed: unknown(this.unknownWhy) };
    if (Number.isNaN(this.since)) return { runs: unknown('not read yet'), failed: unknown('not read yet') };
    const from = now - HOUR_MS;
    // Whole minutes: the minute the hour began in is left out (a reading is placed in the minute it ends).
    const inHour = this.minutes.filter((b) => b.minute * 60_000 >= from);
    const completed = inHour.reduce((a, b) => a + b.completed, 0);
    const failedKnown = inHour.every((b) => b.failed !== null);
    const failed = inHour.reduce((a, b) => a + (b.failed ?? 0), 0);
    const gap = inHour.some((b) => b.lost === null || (b.lost ?? 0) > 0);
    const partial = this.since > from;
    const precision = gap || partial ? 'lower-bound' : 'exact';
    const note = partial ? `read since ${new Date(this.since).toISOString().slice(11, 16)} UTC` : gap ? 'the source dropped records before they were read' : undefined;
    const runs = known(completed + failed, precision, this.source, note);
    return { runs, failed: failedKnown ? known(failed, precision, this.source, note) : unknown(`${this.source} does not tell failures apart`) };
  }

  figures(now: number): FlowFigures {
    if (this.cached?.now === now) return this.cached.figures;
    const figures = this.compute(now);
    this.cached = { now, figures };
    return figures;
  }

  private compute(now: number): FlowFigures {
    const totals = { since: this.since, completed: this.completedTotal, failed: this.failedTotal };
    if (this.unknownWhy !== undefined) {
      const u = unknown(this.unknownWhy);
      return { throughput: u, failureRate: u, runtimeP50: u, runtimeP95: u, totals, lastHour: this.lastHour(now) };
    }
    const inWindow = this.intervals.filter((iv) => iv.from >= now - FLOW_WINDOW_MS - 1000);
    if (inWindow.length === 0) {
      const why = Number.isNaN(this.since) ? 'not read yet' : 'measuring: the first reading sets the cursor, figures follow at the next';
      const u = unknown(why);
      return { throughput: u, failureRate: u, runtimeP50: u, runtimeP95: u, totals, lastHour: this.lastHour(now) };
    }
    const span = inWindow[inWindow.length - 1].to - inWindow[0].from;
    const completed = inWindow.reduce((a, iv) => a + iv.completed, 0);
    const failedKnown = inWindow.every((iv) => iv.failed !== null);
    const failed = inWindow.reduce((a, iv) => a + (iv.failed ?? 0), 0);
    const lostUnsized = inWindow.some((iv) => iv.lost === null);
    const lost = inWindow.reduce((a, iv) => a + (iv.lost ?? 0), 0);
    const gap = lostUnsized || lost > 0;
    const gapNote = gap ? `the source dropped ${lostUnsized ? 'records' : `${lost} records`} before they were read` : undefined;
    const finished = completed + failed;
    const perMin = (finished / Math.max(1, span)) * 60_000;
    const spanText = `${Math.round(span / 1000)} s`;
    const throughput = known(perMin, gap ? 'lower-bound' : 'exact', this.source, gapNote ?? `${finished} finished in the last ${spanText}`);
    let failureRate: Figure;
    if (!failedKnown) failureRate = unknown(`${this.source} does not tell failures apart`);
    else if (finished === 0) failureRate = unknown(`no job finished in the last ${spanText}`);
    else failureRate = known((failed / finished) * 100, gap ? 'estimate' : 'exact', this.source, gapNote ?? `${failed} of ${finished} in the last ${spanText}`);
    const [p50, p95] = this.percentiles(now, finished);
    return { throughput, failureRate, runtimeP50: p50, runtimeP95: p95, totals, lastHour: this.lastHour(now) };
  }

  private percentiles(now: number, finishedInWindow: number): [Figure, Figure] {
    const n = Math.min(this.runtimeCount, MAX_RUNTIMES);
    const xs: number[] = [];
    const times = this.runtimeAt;
    const values = this.runtimes;
    if (times && values) for (let i = 0; i < n; i++) if (times[i] >= now - RUNTIME_WINDOW_MS) xs.push(values[i]);
    if (xs.length === 0) {
      const why = finishedInWindow > 0 ? `${this.source} kept no start and end times of the jobs that finished (removed on completion?)` : 'no job finished in the last 5 minutes';
      return [unknown(why), unknown(why)];
    }
    xs.sort((a, b) => a - b);
    const at = (p: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(p * xs.length) - 1))];
    const note = `${xs.length} job${xs.length === 1 ? '' : 's'} in the last 5 min`;
    return [known(at(0.5), 'sampled', this.source, note), known(at(0.95), 'sampled', this.source, note)];
  }
}
