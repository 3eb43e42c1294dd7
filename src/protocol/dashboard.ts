// The dashboard's messages, shared by the extension host and the webview. Every message has an
// is() guard: the host validates whatever the webview posts before acting on it, and the webview
// ignores anything that is not a message it knows. Requests carry an id; the response names it.

export const RANGES = ['15m', '1h', '24h'] as const;
export type RangeKey = (typeof RANGES)[number];
export const RANGE_MS: Record<RangeKey, number> = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000 };

/** [time ms, value] */
export type Point = [number, number];

export interface Series {
  id: string;
  label: string;
  points: Point[];
}

export interface QueueSeries extends Series {
  /** The regression line over the trend window: its two ends. */
  trend?: [Point, Point];
  /** Where the line leads: from now to now + the forecast horizon. */
  forecast?: [Point, Point];
}

export interface DashboardSummary {
  health: 'ok' | 'warning' | 'critical';
  workers: number;
  /** Pending jobs of the last tick's queues; with unread connections a lower bound, or unknown when none was read. */
  queued: number | null;
  queuedIsLowerBound: boolean;
  /** builtIn: a rule the user did not write (informational unless sustained). */
  findings: { severity: 'warning' | 'critical'; message: string; builtIn: boolean }[];
}

/** A deploy mark ("chaperone mark"), drawn as a line on every chart. */
export interface ChartMark {
  at: number;
  text: string;
}

export interface DashboardSnapshot {
  at: number;
  range: RangeKey;
  marks: ChartMark[];
  /** The deepest queues (at most 6), with their trend lines. */
  queues: QueueSeries[];
  /** Jobs finished per minute, per system and connection (from each system's own records). */
  throughput: Series[];
  /** Wait: the age of the oldest pending job (seconds) of the same queues. */
  wait: Series[];
  /** Per pool: CPU % (sum of its workers) and memory (MB). */
  workerCpu: Series[];
  workerMemory: Series[];
  /** Host CPU % and memory %. */
  host: Series[];
  summary: DashboardSummary;
}

/** One new point per series (series not listed are unchanged); a new set of series means a new snapshot. */
export interface DashboardDelta {
  at: number;
  points: { chart: ChartName; id: string; point: Point; trend?: [Point, Point]; forecast?: [Point, Point] }[];
  summary: DashboardSummary;
  /** Only when they changed since the last message. */
  marks?: ChartMark[];
}

export type ChartName = 'queues' | 'wait' | 'throughput' | 'workerCpu' | 'workerMemory' | 'host';
export const CHART_NAMES: readonly ChartName[] = ['queues', 'wait', 'throughput', 'workerCpu', 'workerMemory', 'host'];

// ---- host -> webview
export interface SnapshotMessage { type: 'snapshot'; snapshot: DashboardSnapshot }
export interface DeltaMessage { type: 'delta'; delta: DashboardDelta }
export interface ResponseMessage { type: 'response'; id: number; ok: boolean; error?: string }
export type HostToWebview = SnapshotMessage | DeltaMessage | ResponseMessage;

// ---- webview -> host
/** Sent once the page's scripts run: the host answers with a snapshot. */
export interface ReadyMessage { type: 'ready' }
/** The first chart frame was drawn, this long after the page started (for the benchmark). */
export interface PaintedMessage { type: 'painted'; ms: number }
export const DASHBOARD_ACTIONS = ['checkThresholds', 'showFindings', 'openConfig'] as const;
export type DashboardAction = (typeof DASHBOARD_ACTIONS)[number];
export type WebviewRequest =
  | { type: 'request'; id: number; method: 'setRange'; range: RangeKey }
  | { type: 'request'; id: number; method: 'action'; action: DashboardAction };
export type WebviewToHost = ReadyMessage | PaintedMessage | WebviewRequest;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const oneOf = <T extends string>(list: readonly T[], v: unknown): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);
/** Only the keys a message may have: anything else is refused, not ignored. */
const onlyKeys = (o: Record<string, unknown>, keys: readonly string[]): boolean => Object.keys(o).every((k) => keys.includes(k));

export const ReadyMessage = { is: (m: unknown): m is ReadyMessage => isObject(m) && m.type === 'ready' && onlyKeys(m, ['type']) };
export const PaintedMessage = {
  is: (m: unknown): m is PaintedMessage => isObject(m) && m.type === 'painted' && isFiniteNumber(m.ms) && m.ms >= 0 && onlyKeys(m, ['type', 'ms']),
};
export const WebviewRequest = {
  is: (m: unknown): m is WebviewRequest => {
    if (!isObject(m) || m.type !== 'request' || !Number.isSafeInteger(m.id)) return false;
    if (m.method === 'setRange') return oneOf(RANGES, m.range) && onlyKeys(m, ['type', 'id', 'method', 'range']);
    if (m.method === 'action') return oneOf(DASHBOARD_ACTIONS, m.action) && onlyKeys(m, ['type', 'id', 'method', 'action']);
    return false;
  },
};
export function isWebviewToHost(m: unknown): m is WebviewToHost {
  return ReadyMessage.is(m) || PaintedMessage.is(m) || WebviewRequest.is(m);
}

// The webview trusts the host, but still checks the shape before drawing (a stale page after an
// update would otherwise draw garbage).
export const SnapshotMessage = {
  is: (m: unknown): m is SnapshotMessage => isObject(m) && m.type === 'snapshot' && isObject(m.snapshot) && Array.isArray(m.snapshot.queues) && oneOf(RANGES, m.snapshot.range),
};
export const DeltaMessage = {
  is: (m: unknown): m is DeltaMessage => isObject(m) && m.type === 'delta' && isObject(m.delta) && Array.isArray(m.delta.points) && isObject(m.delta.summary),
};
export const ResponseMessage = {
  is: (m: unknown): m is ResponseMessage => isObject(m) && m.type === 'response' && Number.isSafeInteger(m.id) && typeof m.ok === 'boolean',
};
