// Snapshots are written by other supervisors (other versions, other hosts) into Redis: read back,
// they are checked field by field. A malformed snapshot is dropped (listed as lost) rather than
// shown with undefined numbers; unknown pool or worker states are kept as their nearest meaning.
import { isRecord, parseJson } from './json-read';
import type { ExitRecord, PoolScaling, PoolSnapshot, PoolState, SupervisorSnapshot, WorkerSnapshot, WorkerState } from './snapshot';

const WORKER_STATES: readonly WorkerState[] = ['starting', 'running', 'stopping', 'stopped', 'exited', 'backoff', 'fatal'];
const POOL_STATES: readonly PoolState[] = ['running', 'starting', 'degraded', 'draining', 'stopping', 'restarting', 'stopped'];

const isObj = isRecord;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const numOrNull = (v: unknown): number | null => num(v) ?? null;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function parseSupervisorSnapshot(text: string): SupervisorSnapshot | undefined {
  const v = parseJson(text);
  if (!isObj(v)) return undefined;
  const id = str(v.id);
  const host = str(v.host);
  const pid = num(v.pid);
  const startedAt = num(v.startedAt);
  const lastSeen = num(v.lastSeen);
  if (id === undefined || host === undefined || pid === undefined || startedAt === undefined || lastSeen === undefined || !Array.isArray(v.pools)) return undefined;
  const pools = v.pools.map(parsePool);
  if (pools.some((p) => !p)) return undefined;
  const snap: SupervisorSnapshot = { id, host, pid, startedAt, lastSeen, configFile: str(v.configFile) ?? '', version: str(v.version) ?? '', pools: pools as PoolSnapshot[] };
  if (isObj(v.controlPlane)) {
    const cp = v.controlPlane;
    const gap = isObj(cp.lastGap) && num(cp.lastGap.from) !== undefined && num(cp.lastGap.to) !== undefined && num(cp.lastGap.ms) !== undefined
      ? { lastGap: { from: cp.lastGap.from as number, to: cp.lastGap.to as number, ms: cp.lastGap.ms as number } } : {};
    snap.controlPlane = { connected: cp.connected === true, disconnects: num(cp.disconnects) ?? 0, ...gap };
  }
  return snap;
}

function parsePool(v: unknown): PoolSnapshot | undefined {
  if (!isObj(v)) return undefined;
  const name = str(v.name);
  const desired = num(v.desired);
  const min = num(v.min);
  const max = num(v.max);
  if (name === undefined || desired === undefined || min === undefined || max === undefined || !Array.isArray(v.workers)) return undefined;
  const workers = v.workers.map(parseWorker);
  if (workers.some((w) => !w)) return undefined;
  const state = POOL_STATES.find((s) => s === v.state) ?? 'degraded';
  const pool: PoolSnapshot = { name, state, desired, min, max, queues: strings(v.queues), workers: workers as WorkerSnapshot[] };
  const scaling = parseScaling(v.scaling);
  if (scaling) pool.scaling = scaling;
  return pool;
}

function parseScaling(v: unknown): PoolScaling | undefined {
  if (!isObj(v)) return undefined;
  const strategy = v.strategy === 'depth' || v.strategy === 'wait' ? v.strategy : undefined;
  if (v.by === 'manual') return { by: 'manual' };
  if (v.by === 'autoscaler' && strategy) return { by: 'autoscaler', strategy };
  const until = num(v.until);
  if (v.by === 'pinned' && strategy && until !== undefined) return { by: 'pinned', strategy, until };
  return undefined;
}

function parseWorker(v: unknown): WorkerSnapshot | undefined {
  if (!isObj(v)) return undefined;
  const id = str(v.id);
  if (id === undefined) return undefined;
  const w: WorkerSnapshot = {
    id, pid: numOrNull(v.pid), state: WORKER_STATES.find((s) => s === v.state) ?? 'exited', restarts: num(v.restarts) ?? 0,
    uptimeMs: num(v.uptimeMs) ?? 0, cpu: numOrNull(v.cpu), memoryBytes: numOrNull(v.memoryBytes), lastExit: parseExit(v.lastExit),
  };
  const fatal = str(v.fatalReason);
  if (fatal !== undefined) w.fatalReason = fatal;
  const next = num(v.nextStartInMs);
  if (next !== undefined) w.nextStartInMs = next;
  if (isObj(v.debug)) {
    const queues = Array.isArray(v.debug.queues) ? v.debug.queues : [];
    w.debug = { queues: queues.flatMap((q: unknown) => (isObj(q) && str(q.from) !== undefined && str(q.to) !== undefined ? [{ from: q.from as string, to: q.to as string }] : [])).slice(0, 100) };
  }
  return w;
}

function parseExit(v: unknown): ExitRecord | null {
  if (!isObj(v) || num(v.at) === undefined) return null;
  const e: ExitRecord = { at: v.at as number, code: numOrNull(v.code), signal: str(v.signal) ?? null, uptimeMs: num(v.uptimeMs) ?? 0, stderrTail: strings(v.stderrTail) };
  const reason = str(v.reason);
  if (reason !== undefined) e.reason = reason;
  return e;
}
