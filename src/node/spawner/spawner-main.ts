// The spawner: a tiny process that does every fork/exec for the engine. spawn() in a large process
// blocks its event loop for 9-26 ms per call; here it blocks nobody who matters.
// If the engine goes away (IPC disconnect), the spawner stops its workers and exits, so an editor
// crash leaves no workers behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { isWindows, signalGroupPosix, windowsKillArgv } from '../platform';
import { isToSpawner, type FromSpawner, type ToSpawner } from './spawner-protocol';
import { createUsageSource, type UsageSource } from './usage-sampling';

const children = new Map<number, ChildProcess>();

/** Variables of the host (and of our IPC channel) that must not leak into workers. */
const HOST_ONLY_ENV = /^(ELECTRON_RUN_AS_NODE|NODE_CHANNEL_FD|NODE_CHANNEL_SERIALIZATION_MODE|VSCODE_[A-Z_]+)$/;
/** The environment every worker starts from: ours (inherited from the host) minus the above. */
const baseEnv: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !HOST_ONLY_ENV.test(k)) baseEnv[k] = v;

function send(m: FromSpawner): void {
  if (process.connected) process.send?.(m);
}

async function doSpawn(m: Extract<ToSpawner, { type: 'spawn' }>): Promise<void> {
  // A missing cwd makes spawn() fail with a misleading "spawn <cmd> ENOENT": check it first.
  try {
    const st = await stat(m.cwd);
    if (!st.isDirectory()) {
      send({ type: 'spawn-failed', ref: m.ref, code: 'ENOTDIR', message: `working directory ${m.cwd} is not a directory` });
      return;
    }
  } catch {
    send({ type: 'spawn-failed', ref: m.ref, code: 'ECWD', message: `working directory ${m.cwd} does not exist` });
    return;
  }
  let child: ChildProcess;
  try {
    child = spawn(m.argv[0], m.argv.slice(1), { cwd: m.cwd, env: { ...baseEnv, ...m.env }, detached: !isWindows, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    send({ type: 'spawn-failed', ref: m.ref, code: e.code ?? 'ESPAWN', message: e.message });
    return;
  }
  let started = false;
  child.once('error', (err: NodeJS.ErrnoException) => {
    if (!started) {
      const hint = err.code === 'ENOENT' ? `command not found: ${m.argv[0]}` : err.code === 'EACCES' ? `permission denied: ${m.argv[0]}` : err.message;
      send({ type: 'spawn-failed', ref: m.ref, code: err.code ?? 'ESPAWN', message: hint });
    }
  });
  child.once('spawn', () => {
    started = true;
    const pid = child.pid as number;
    children.set(pid, child);
    send({ type: 'spawned', ref: m.ref, pid });
    child.stdout?.setEncoding('utf8').on('data', (data: string) => send({ type: 'output', pid, stream: 'stdout', data }));
    child.stderr?.setEncoding('utf8').on('data', (data: string) => send({ type: 'output', pid, stream: 'stderr', data }));
    // 'close' (not 'exit'): all output has been read by then.
    child.once('close', (code, signal) => {
      children.delete(pid);
      send({ type: 'exit', pid, code, signal });
    });
  });
}

function doSignal(pid: number, signal: string, group: boolean): void {
  if (isWindows) {
    const [cmd, ...args] = windowsKillArgv(pid, signal);
    spawn(cmd, args, { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  try {
    if (group) signalGroupPosix(pid, signal);
    else process.kill(pid, signal as NodeJS.Signals);
  } catch {
    // gone already
  }
}

let shuttingDown = false;
function shutdownAll(signal: string, timeoutMs: number): void {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const pid of children.keys()) doSignal(pid, signal, true);
  const deadline = Date.now() + timeoutMs;
  const check = setInterval(() => {
    if (children.size === 0 || Date.now() >= deadline) {
      for (const pid of children.keys()) doSignal(pid, 'SIGKILL', true);
      clearInterval(check);
      process.exit(0);
    }
  }, 50);
}

let usage: Promise<UsageSource> | undefined;
async function doSample(ref: number, pids: number[]): Promise<void> {
  usage ??= createUsageSource();
  const rows = await (await usage).sample(pids);
  send({ type: 'usage', ref, usage: rows.map((u) => [u.pid, u.cpu, u.memoryBytes]) });
}

process.on('message', (m: unknown) => {
  if (!isToSpawner(m)) return;
  if (m.type === 'spawn') void doSpawn(m);
  else if (m.type === 'sample') void doSample(m.ref, m.pids);
  else if (m.type === 'signal') doSignal(m.pid, m.signal, m.group);
  else if (m.type === 'shutdown') shutdownAll(m.signal, m.timeoutMs);
});
process.on('disconnect', () => shutdownAll('SIGTERM', 10_000));
// The spawner must outlive a terminal's Ctrl-C aimed at the supervisor: the engine decides.
process.on('SIGINT', () => undefined);
send({ type: 'ready', pid: process.pid });
