// Where a supervisor of one chaperone.json keeps its runtime files: the spawner's socket (the next
// supervisor of the same config takes the spawner over through it) and the runtime state file (the
// workers' pids, process groups and start times, read when no spawner answers). One key per config
// file, so two projects never share them and one project's supervisors always meet.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { isWindows } from '../platform';

export interface RuntimePaths {
  dir: string;
  /** A Unix socket (a named pipe on Windows). */
  socket: string;
  state: string;
}

/** CHAPERONE_RUNTIME_DIR, else $XDG_RUNTIME_DIR/chaperone, else <tmp>/chaperone-<uid>. */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHAPERONE_RUNTIME_DIR) return path.resolve(env.CHAPERONE_RUNTIME_DIR);
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'chaperone');
  const uid = typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username;
  return path.join(os.tmpdir(), `chaperone-${uid}`);
}

export function runtimePaths(configFile: string, dir = runtimeDir()): RuntimePaths {
  const key = createHash('sha256').update(path.resolve(configFile)).digest('hex').slice(0, 16);
  // sun_path holds about 107 bytes: a long runtime dir falls back to a short name in tmp.
  let socket = isWindows ? `\\\\.\\pipe\\chaperone-${key}` : path.join(dir, `${key}.sock`);
  if (!isWindows && Buffer.byteLength(socket) > 100) socket = path.join(os.tmpdir(), `chaperone-${key}.sock`);
  return { dir, socket, state: path.join(dir, `${key}.json`) };
}
