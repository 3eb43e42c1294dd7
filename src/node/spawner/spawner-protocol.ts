// Messages between a supervisor (the controller) and its spawner, one JSON object per line over a
// Unix socket (a named pipe on Windows). The socket outlives the controller: the next supervisor of
// the same config connects to it and takes the spawner over with its workers. Both sides parse what
// they read; the spawner runs argv, so what it accepts is checked field by field.
import type { Socket } from 'node:net';
import type { LogFileSpec } from '../../core/log-file-format';

export interface SpawnRequest {
  type: 'spawn';
  ref: number;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  workerId: string;
  pool: string;
  stopSignal: string;
  stopTimeoutMs: number;
  /** The pool's log file, written by the spawner (so no line waits on a supervisor). */
  log?: LogFileSpec;
}

export type ToSpawner =
  /**
   * graceMs: this controller's supervisor.handoverGrace, how long the spawner keeps the workers for
   * a successor once it goes; each hello sets it, so an edited value holds from the next takeover.
   * null from a supervisor of an older Chaperone, which does not send it: the spawner keeps its own
   * (a downgraded editor still takes its workers over).
   */
  | { type: 'hello'; pid: number; startTime: string; graceMs: number | null }
  | SpawnRequest
  | { type: 'signal'; pid: number; signal: string; group: boolean }
  /** No signal: each worker gets its own pool's stop signal and timeout. */
  | { type: 'shutdown'; signal?: string; timeoutMs?: number }
  | { type: 'sample'; ref: number; pids: number[] }
  /** What the next controller needs to carry on (pool counts, restart counts): opaque to the spawner. */
  | { type: 'keep'; state: unknown }
  /** The controller leaves on purpose and expects a successor: the grace period starts. */
  | { type: 'detach' };

/** A worker that a new controller takes over. */
export interface HandedChild {
  pid: number;
  workerId: string;
  pool: string;
  startedAt: number;
}

export type FromSpawner =
  /** waited: since the last controller left, and the grace it left them (null: none had left). */
  | { type: 'ready'; pid: number; children: HandedChild[]; kept: unknown; waited: { ms: number; graceMs: number } | null }
  /** Another supervisor controls this spawner (or it is shutting down): this one must not start workers. */
  | { type: 'busy'; controller: number | null; reason: string }
  | { type: 'spawned'; ref: number; pid: number }
  | { type: 'spawn-failed'; ref: number; code: string; message: string }
  | { type: 'output'; pid: number; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'exit'; pid: number; code: number | null; signal: string | null }
  /** [pid, cpu %, memory bytes] per live pid */
  | { type: 'usage'; ref: number; usage: [number, number, number][] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPid = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 2 ** 31;
const isRef = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isStr = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length <= max;
const SIGNAL = /^SIG[A-Z0-9]{2,8}$/;
/** supervisor.handoverGrace's range (0 to 1h). */
export const MAX_GRACE_MS = 3_600_000;
export const isGraceMs = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_GRACE_MS;

function isEnv(v: unknown): v is Record<string, string> {
  return isObj(v) && Object.values(v).every((x) => typeof x === 'string');
}

const MAX_LOG_BYTES = 1024 ** 4;

function parseLogSpec(v: unknown): LogFileSpec | undefined {
  if (!isObj(v)) return undefined;
  const { file, stderrFile, maxBytes, keep, timestamps } = v;
  if (!isStr(file) || !file || file.includes('\0') || typeof timestamps !== 'boolean') return undefined;
  if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_LOG_BYTES) return undefined;
  if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 0 || keep > 1000) return undefined;
  if (stderrFile !== undefined && (!isStr(stderrFile) || !stderrFile || stderrFile.includes('\0'))) return undefined;
  return { file, maxBytes, keep, timestamps, ...(stderrFile !== undefined ? { stderrFile } : {}) };
}

function parseWaited(v: unknown): { ms: number; graceMs: number } | null {
  if (!isObj(v)) return null;
  const { ms, graceMs } = v;
  return typeof ms === 'number' && Number.isInteger(ms) && ms >= 0 && ms <= 2 ** 31 && isGraceMs(graceMs) ? { ms, graceMs } : null;
}

/** The spawner's parser: anything else is dropped (and logged by the caller). */
export function parseToSpawner(v: unknown): ToSpawner | undefined {
  if (!isObj(v)) return undefined;
  switch (v.type) {
    case 'hello':
      if (!isPid(v.pid) || !isStr(v.startTime, 40) || (v.graceMs !== undefined && !isGraceMs(v.graceMs))) return undefined;
      return { type: 'hello', pid: v.pid, startTime: v.startTime, graceMs: v.graceMs ?? null };
    case 'spawn': {
      const { ref, argv, cwd, env, workerId, pool, stopSignal, stopTimeoutMs } = v;
      if (!isRef(ref) || !Array.isArray(argv) || argv.length === 0 || !argv.every((a) => isStr(a, 65536)) || !isStr(cwd) || !isEnv(env)) return undefined;
      if (!isStr(workerId, 200) || !isStr(pool, 200) || !isStr(stopSignal, 12) || !SIGNAL.test(stopSignal)) return undefined;
      if (typeof stopTimeoutMs !== 'number' || !Number.isInteger(stopTimeoutMs) || stopTimeoutMs < 0 || stopTimeoutMs > 24 * 3600_000) return undefined;
      const req: SpawnRequest = { type: 'spawn', ref, argv: argv as string[], cwd, env, workerId, pool, stopSignal, stopTimeoutMs };
      if (v.log !== undefined) {
        const log = parseLogSpec(v.log);
        if (!log) return undefined;
        req.log = log;
      }
      return req;
    }
    case 'signal':
      return isPid(v.pid) && isStr(v.signal, 12) && SIGNAL.test(v.signal) && typeof v.group === 'boolean' ? { type: 'signal', pid: v.pid, signal: v.signal, group: v.group } : undefined;
    case 'shutdown': {
      const m: ToSpawner = { type: 'shutdown' };
      if (v.signal !== undefined) {
        if (!isStr(v.signal, 12) || !SIGNAL.test(v.signal)) return undefined;
        m.signal = v.signal;
      }
      if (v.timeoutMs !== undefined) {
        if (typeof v.timeoutMs !== 'number' || !Number.isInteger(v.timeoutMs) || v.timeoutMs < 0 || v.timeoutMs > 24 * 3600_000) return undefined;
        m.timeoutMs = v.timeoutMs;
      }
      return m;
    }
    case 'sample':
      return isRef(v.ref) && Array.isArray(v.pids) && v.pids.every(isPid) ? { type: 'sample', ref: v.ref, pids: v.pids as number[] } : undefined;
    case 'keep':
      return { type: 'keep', state: v.state ?? null };
    case 'detach':
      return { type: 'detach' };
    default:
      return undefined;
  }
}

function parseHanded(v: unknown): HandedChild | undefined {
  if (!isObj(v) || !isPid(v.pid) || !isStr(v.workerId, 200) || !isStr(v.pool, 200) || !isRef(v.startedAt)) return undefined;
  return { pid: v.pid, workerId: v.workerId, pool: v.pool, startedAt: v.startedAt };
}

/** The controller's parser. */
export function parseFromSpawner(v: unknown): FromSpawner | undefined {
  if (!isObj(v)) return undefined;
  switch (v.type) {
    case 'ready': {
      if (!isPid(v.pid) || !Array.isArray(v.children)) return undefined;
      const children = v.children.map(parseHanded);
      if (children.some((c) => !c)) return undefined;
      return { type: 'ready', pid: v.pid, children: children as HandedChild[], kept: v.kept ?? null, waited: parseWaited(v.waited) };
    }
    case 'busy':
      return { type: 'busy', controller: isPid(v.controller) ? v.controller : null, reason: isStr(v.reason) ? v.reason : 'busy' };
    case 'spawned':
      return isRef(v.ref) && isPid(v.pid) ? { type: 'spawned', ref: v.ref, pid: v.pid } : undefined;
    case 'spawn-failed':
      return isRef(v.ref) && isStr(v.code) && isStr(v.message) ? { type: 'spawn-failed', ref: v.ref, code: v.code, message: v.message } : undefined;
    case 'output':
      return isPid(v.pid) && (v.stream === 'stdout' || v.stream === 'stderr') && typeof v.data === 'string' ? { type: 'output', pid: v.pid, stream: v.stream, data: v.data } : undefined;
    case 'exit':
      return isPid(v.pid) && (v.code === null || typeof v.code === 'number') && (v.signal === null || isStr(v.signal, 12)) ? { type: 'exit', pid: v.pid, code: v.code as number | null, signal: v.signal as string | null } : undefined;
    case 'usage': {
      if (!isRef(v.ref) || !Array.isArray(v.usage)) return undefined;
      const ok = v.usage.every((r) => Array.isArray(r) && r.length === 3 && r.every((x) => typeof x === 'number'));
      return ok ? { type: 'usage', ref: v.ref, usage: v.usage as [number, number, number][] } : undefined;
    }
    case 'log':
      return (v.level === 'info' || v.level === 'warn' || v.level === 'error') && isStr(v.message, 65536) ? { type: 'log', level: v.level, message: v.message } : undefined;
    default:
      return undefined;
  }
}

/** Largest line either side accepts: a line past this is a broken peer, and the connection ends. */
const MAX_LINE = 8 * 1024 * 1024;

/** Reads newline-delimited JSON from a socket; calls onMessage with each parsed value. */
export function readLines(socket: Socket, onMessage: (v: unknown) => void): void {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line) continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        continue;
      }
      onMessage(v);
    }
    if (buf.length > MAX_LINE) socket.destroy(new Error('line too long'));
  });
}

export function writeLine(socket: Socket, m: ToSpawner | FromSpawner): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(m)}\n`);
}
