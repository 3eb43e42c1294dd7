// The runtime state file: which worker processes a spawner has running, written by the spawner at
// every start and exit, read by the next supervisor of the same config when no spawner answers.
// Each process is named by pid, process group and start time, so a pid the kernel has since reused
// is never signalled. The file is untrusted input (another process wrote it): it is parsed, never cast.
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isGroupAlive, isSameProcess, processStartTime } from '../platform';

export interface RuntimeChild {
  pid: number;
  /** Start time of the group leader (see processStartTime). */
  startTime: string;
  pool: string;
  workerId: string;
  /** Epoch ms. */
  startedAt: number;
  stopSignal: string;
  stopTimeoutMs: number;
}

export interface RuntimeState {
  v: 1;
  spawner: { pid: number; startTime: string };
  /** The supervisor in control, or null while the spawner waits for one (grace period). */
  controller: { pid: number; startTime: string } | null;
  children: RuntimeChild[];
}

const SIGNALS = /^SIG[A-Z0-9]{2,8}$/;

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function parseProc(v: unknown): { pid: number; startTime: string } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  return isInt(o.pid, 1, 2 ** 31) && typeof o.startTime === 'string' ? { pid: o.pid, startTime: o.startTime } : undefined;
}

export function parseRuntimeChild(v: unknown): RuntimeChild | undefined {
  const proc = parseProc(v);
  if (!proc) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.pool !== 'string' || typeof o.workerId !== 'string' || !isInt(o.startedAt, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  if (typeof o.stopSignal !== 'string' || !SIGNALS.test(o.stopSignal) || !isInt(o.stopTimeoutMs, 0, 24 * 3600_000)) return undefined;
  return { ...proc, pool: o.pool, workerId: o.workerId, startedAt: o.startedAt, stopSignal: o.stopSignal, stopTimeoutMs: o.stopTimeoutMs };
}

/** undefined for anything that is not a state file of this version (it is then ignored, and said so). */
export function parseRuntimeState(text: string): RuntimeState | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  const spawner = parseProc(o.spawner);
  const controller = o.controller === null ? null : parseProc(o.controller);
  if (o.v !== 1 || !spawner || controller === undefined || !Array.isArray(o.children)) return undefined;
  const children = o.children.map(parseRuntimeChild);
  if (children.some((c) => c === undefined)) return undefined;
  return { v: 1, spawner, controller, children: children as RuntimeChild[] };
}

export async function readRuntimeState(file: string): Promise<RuntimeState | undefined | 'invalid'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return parseRuntimeState(text) ?? 'invalid';
}

/** Atomic (write then rename): a reader never sees half a file. */
export async function writeRuntimeState(file: string, state: RuntimeState): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
  await rename(tmp, file);
}

export async function removeRuntimeState(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

/**
 * True while this child's process group still runs the process recorded: the leader with the
 * same start time, or (leader gone) the group itself, whose id the kernel does not hand out again
 * while any member lives.
 */
export async function isChildAlive(c: RuntimeChild): Promise<boolean> {
  if (await isSameProcess(c.pid, c.startTime)) return true;
  if ((await processStartTime(c.pid)) !== null) return false; // the pid now belongs to someone else
  return isGroupAlive(c.pid);
}

export async function liveChildren(children: readonly RuntimeChild[]): Promise<RuntimeChild[]> {
  const alive = await Promise.all(children.map(isChildAlive));
  return children.filter((_, i) => alive[i]);
}
