// IPC between the engine and the spawner process. Both sides import this module.

export type ToSpawner =
  | { type: 'spawn'; ref: number; argv: string[]; cwd: string; env: Record<string, string> }
  | { type: 'signal'; pid: number; signal: string; group: boolean }
  | { type: 'shutdown'; signal: string; timeoutMs: number }
  | { type: 'sample'; ref: number; pids: number[] };

export type FromSpawner =
  | { type: 'ready'; pid: number }
  | { type: 'spawned'; ref: number; pid: number }
  | { type: 'spawn-failed'; ref: number; code: string; message: string }
  | { type: 'output'; pid: number; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'exit'; pid: number; code: number | null; signal: string | null }
  /** [pid, cpu %, memory bytes] per live pid */
  | { type: 'usage'; ref: number; usage: [number, number, number][] };

export function isFromSpawner(m: unknown): m is FromSpawner {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

export function isToSpawner(m: unknown): m is ToSpawner {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}
