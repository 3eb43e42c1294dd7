// The dashboard's data (the webview keeps nothing it could not get again): a snapshot for a time
// range from the engine's history (which the history store saves across reloads), then one point
// per series each tick. Every series is one the engine records, so a reload draws the same past.
import { queueLabel } from '../../core/queue-ref';
import type { QueueSignal, Signals, SystemSignal } from '../../core/signals/signals-engine';
import { alerting, type Finding } from '../../core/signals/findings';
import { cpuTotal, deepestQueues, memoryTotal, queuedTotal } from '../figures';
import { usagePoint } from '../../core/signals/pool-usage';
import { RANGE_MS, type ChartMark, type DashboardDelta, type DashboardSnapshot, type DashboardSummary, type Point, type QueueSeries, type RangeKey, type Series } from '../../protocol/dashboard';

export const MAX_QUEUES = 6;
export const MAX_POINTS = 300;
/** Per-pool series kept at most (memory stays bounded whatever the config says). */
export const MAX_POOLS = 50;
/** How far back the drawn trend line goes at most (the engine's window is usually shorter). */
const TREND_WINDOW_MS = 10 * 60_000;

export interface DashboardSource {
  signals(): Signals | undefined;
  findings(): readonly Finding[];
  workers(): number;
  history(series: string, from: number, to: number, maxPoints: number): { points: { t: number; avg: number }[] } | undefined;
  /** Connections (or systems) the last tick could not read: totals are lower bounds then. */
  unread(): readonly string[];
  /** Deploy marks, oldest first. */
  marks(): readonly { at: number; text: string }[];
}

/** Marks drawn at most (the newest). */
export const MAX_MARKS = 50;

export class DashboardData {
  /** The queues of the last snapshot: a different set needs a new snapshot, not a delta. */
  private shownQueues: string[] = [];
  private shownSystems: string[] = [];
  /** The first point drawn per queue: its trend line starts no earlier. */
  private readonly firstPoint = new Map<string, number>();
  /** The marks last sent, to send them again only when they change. */
  private shownMarks = '';

  constructor(private readonly source: DashboardSource) {}

  private range(series: string, from: number, to: number, scale = 1): Point[] {
    const r = this.source.history(series, from, to, MAX_POINTS);
    return (r?.points ?? []).map((p) => [p.t, round(p.avg * scale)]);
  }

  snapshot(range: RangeKey, now: number): DashboardSnapshot {
    const s = this.source.signals();
    const from = now - RANGE_MS[range];
    const queues = topQueues(s?.queues ?? []);
    this.shownQueues = queues.map((q) => q.key);
    const systems = s?.systems ?? [];
    this.shownSystems = systems.map((x) => x.key);
    this.firstPoint.clear();
    const pools = (s?.pools ?? []).slice(0, MAX_POOLS);
    const marks = this.marksFrom(from);
    this.shownMarks = JSON.stringify(marks);
    return {
      at: now,
      range,
      marks,
      queues: queues.map<QueueSeries>((q) => {
        const points = this.range(`queue:${q.key}:depth`, from, now);
        this.firstPoint.set(q.key, points[0]?.[0] ?? q.trend?.at ?? now);
        return { id: q.key, label: queueLabel(q), points, ...lines(q, range, points[0]?.[0]) };
      }),
      wait: queues.map<Series>((q) => ({ id: q.key, label: queueLabel(q), points: this.range(`queue:${q.key}:wait`, from, now, 1 / 1000) })),
      throughput: systems.map<Series>((x) => ({ id: x.key, label: systemLabel(x), points: this.range(`system:${x.key}:throughput`, from, now) })),
      workerCpu: pools.map<Series>((p) => ({ id: p.name, label: `${p.name} CPU %`, points: this.range(`pool:${p.name}:cpu`, from, now) })),
      workerMemory: pools.map<Series>((p) => ({ id: p.name, label: `${p.name} MB`, points: this.range(`pool:${p.name}:memory`, from, now, 1 / 1048576) })),
      host: [
        { id: 'cpu', label: 'host CPU %', points: this.range('host:cpu', from, now) },
        { id: 'memory', label: 'host memory %', points: this.range('host:memory', from, now) },
      ],
      summary: this.summary(),
    };
  }

  /** The tick's points, or undefined when the set of series changed (send a snapshot instead). */
  delta(range: RangeKey): DashboardDelta | undefined {
    const s = this.source.signals();
    if (!s) return undefined;
    const queues = topQueues(s.queues);
    if (!sameKeys(queues, this.shownQueues) || !sameKeys(s.systems, this.shownSystems)) return undefined;
    const at = s.at;
    const points: DashboardDelta['points'] = queues.map((q) => ({ chart: 'queues', id: q.key, point: [at, q.pending], ...lines(q, range, this.firstPoint.get(q.key)) }));
    // Unknown figures get no point (a gap in the line), never a 0.
    for (const q of queues) if (q.wait.value !== null) points.push({ chart: 'wait', id: q.key, point: [at, round(q.wait.value / 1000)] });
    for (const x of s.systems) if (x.throughput.value !== null) points.push({ chart: 'throughput', id: x.key, point: [at, round(x.throughput.value)] });
    for (const p of s.pools.slice(0, MAX_POOLS)) {
      // Only a whole figure is a point: a pool with a worker not sampled yet leaves a gap.
      const cpu = usagePoint(cpuTotal(p.workers));
      const memory = usagePoint(memoryTotal(p.workers));
      if (cpu !== undefined) points.push({ chart: 'workerCpu', id: p.name, point: [at, round(cpu)] });
      if (memory !== undefined) points.push({ chart: 'workerMemory', id: p.name, point: [at, round(memory / 1048576)] });
    }
    if (s.host) {
      points.push({ chart: 'host', id: 'cpu', point: [at, round(s.host.cpuPct)] });
      points.push({ chart: 'host', id: 'memory', point: [at, round(s.host.memoryPct)] });
    }
    const marks = this.marksFrom(at - RANGE_MS[range]);
    const text = JSON.stringify(marks);
    if (text === this.shownMarks) return { at, points, summary: this.summary() };
    this.shownMarks = text;
    return { at, points, summary: this.summary(), marks };
  }

  private marksFrom(from: number): ChartMark[] {
    return this.source.marks().filter((m) => m.at >= from).slice(-MAX_MARKS).map((m) => ({ at: m.at, text: m.text }));
  }

  summary(): DashboardSummary {
    const findings = this.source.findings();
    const queued = queuedTotal(this.source.signals()?.queues, this.source.unread());
    const alarms = alerting(findings, Date.now());
    return {
      health: alarms.some((f) => f.severity === 'critical') ? 'critical' : alarms.length ? 'warning' : 'ok',
      workers: this.source.workers(),
      queued: queued?.value ?? null,
      queuedIsLowerBound: queued?.lowerBound ?? false,
      findings: findings.slice(0, 10).map((f) => ({ severity: f.severity, message: f.message, builtIn: f.builtIn })),
    };
  }
}

/** The deepest queues, ties by key. */
function topQueues(qs: readonly QueueSignal[]): QueueSignal[] {
  return deepestQueues(qs, MAX_QUEUES);
}

function systemLabel(x: SystemSignal): string {
  const where = x.connection === 'default' ? x.system : `${x.connection}/${x.system}`;
  return x.throughput.value === null ? `${where} (unknown: ${x.throughput.source})` : `${where}${x.throughput.precision === 'exact' ? '' : ` (${x.throughput.precision})`}`;
}

/**
 * The regression line over its window (never before the first point drawn) and where it leads, a
 * quarter of the range ahead.
 */
function lines(q: QueueSignal, range: RangeKey, firstPoint?: number): Pick<QueueSeries, 'trend' | 'forecast'> {
  const t = q.trend;
  if (!t || t.n < 2) return {};
  const back = Math.max(0, Math.min(RANGE_MS[range], TREND_WINDOW_MS, firstPoint === undefined ? Infinity : t.at - firstPoint));
  const ahead = RANGE_MS[range] / 4;
  const at = (dt: number): number => Math.max(0, round(t.level + (t.slope * dt) / 1000));
  return { trend: [[t.at - back, at(-back)], [t.at, at(0)]], forecast: [[t.at, at(0)], [t.at + ahead, at(ahead)]] };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function sameKeys(xs: readonly { key: string }[], keys: readonly string[]): boolean {
  return xs.length === keys.length && xs.every((x, i) => x.key === keys[i]);
}
