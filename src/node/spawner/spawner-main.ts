// The spawner: a small process that does every fork/exec for a supervisor (spawn() in a large
// process blocks its event loop for 9-26 ms per call; here it blocks nobody who matters), and that
// outlives it. It runs in a session of its own, so a signal to the supervisor's process group does
// not reach it, and it listens on a socket: when its supervisor goes (a window reload, a crash), the
// workers keep running for a grace period, and the next supervisor of the same config connects and
// takes them over. When the grace ends with no one back, it stops every worker with its pool's stop
// signal and timeout, then exits. A reaper process watches the spawner itself (see reaper-main.ts).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isWindows, processStartTime, signalGroupPosix, windowsKillArgv } from '../platform';
import { removeRuntimeState, writeRuntimeState, type RuntimeChild, type RuntimeState } from './runtime-state';
import { isGraceMs, MAX_GRACE_MS, parseToSpawner, readLines, writeLine, type FromSpawner, type SpawnRequest } from './spawner-protocol';
import type { ReaperMessage } from './reaper-protocol';
import { createUsageSource, type UsageSource } from './usage-sampling';
import { WorkerLogSinks, type WorkerLog } from '../logs/worker-log-sinks';
import { holdPipe, releasePipe } from '../logs/pipe-holds';
import type { Readable } from 'node:stream';

const { values: args } = parseArgs({ options: { socket: { type: 'string' }, state: { type: 'string' }, grace: { type: 'string' } } });
// --grace is required: its default lives in one place, the config parser (supervisor.handoverGrace).
const graceArg = args.grace === undefined ? undefined : Number(args.grace);
if (!args.socket || !args.state || !isGraceMs(graceArg)) {
  process.stderr.write(`usage: spawner.js --socket PATH --state FILE --grace MS (0 to ${MAX_GRACE_MS})\n`);
  process.exit(2);
}
const SOCKET = args.socket;
const STATE_FILE = args.state;
/** How long the workers wait for a successor: the forking supervisor's, then each controller's own (its hello). */
let graceMs = graceArg;
/** Output kept while no supervisor is connected, handed to the next one; exits are always kept. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
const HELLO_TIMEOUT_MS = 5000;

interface Child {
  proc: ChildProcess;
  entry: RuntimeChild;
}
const children = new Map<number, Child>();
let controller: Socket | undefined;
let controllerInfo: { pid: number; startTime: string } | null = null;
let kept: unknown = null;
let graceTimer: NodeJS.Timeout | undefined;
/** When the last controller left with workers kept for a successor, and the grace it gave them. */
let left: { at: number; graceMs: number } | undefined;
let backlog: FromSpawner[] = [];
let backlogBytes = 0;
let shuttingDown = false;
let server: Server | undefined;
let selfStartTime = 'unknown';

/** Variables of the host (and of its IPC channel) that must not leak into workers. */
const HOST_ONLY_ENV = /^(ELECTRON_RUN_AS_NODE|NODE_CHANNEL_FD|NODE_CHANNEL_SERIALIZATION_MODE|VSCODE_[A-Z_]+)$/;
/** Chaperone's own secrets never reach a worker: a pool that needs one declares it in its env. */
const SECRET_ENV = /^CHAPERONE_(REDIS|SENTINEL)_(PASSWORD|USERNAME)(_[A-Z0-9_]+)?$/;
const baseEnv: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !HOST_ONLY_ENV.test(k) && !SECRET_ENV.test(k)) baseEnv[k] = v;

function log(level: 'info' | 'warn' | 'error', message: string): void {
  if (controller) writeLine(controller, { type: 'log', level, message });
  else process.stderr.write(`${new Date().toISOString()} ${level} spawner ${process.pid}: ${message}\n`);
}

/**
 * Past this much unsent to the supervisor, the pipe that added it is paused until the socket
 * drains: a worker flooding its output waits on its own write, as it would under a terminal,
 * instead of growing the spawner.
 */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;
const heldForController = new Set<Readable>();
let awaitingDrain: Socket | undefined;
function holdIfBehind(pipe: Readable | null): void {
  const c = controller;
  if (!pipe || !c || c.writableLength <= MAX_UNSENT_BYTES) return;
  holdPipe(pipe, 'controller');
  heldForController.add(pipe);
  if (awaitingDrain !== c) {
    awaitingDrain = c;
    c.once('drain', releaseHeldForController);
  }
}
function releaseHeldForController(): void {
  awaitingDrain = undefined;
  for (const p of heldForController) releasePipe(p, 'controller');
  heldForController.clear();
}

/** The pools' log files: written here, where the workers' pipes are, whoever supervises. */
const logSinks = new WorkerLogSinks((message) => log('warn', message));

function emit(m: FromSpawner): void {
  if (controller) {
    writeLine(controller, m);
    return;
  }
  if (m.type === 'output') {
    if (backlogBytes + m.data.length > MAX_BACKLOG_BYTES) return; // bounded: the newest output is dropped
    backlogBytes += m.data.length;
  }
  if (m.type === 'output' || m.type === 'exit') backlog.push(m);
}

// --- the runtime state file and the reaper -------------------------------------------------------
let writing = false;
let dirty = false;
async function saveState(): Promise<void> {
  if (writing) {
    dirty = true;
    return;
  }
  writing = true;
  try {
    do {
      dirty = false;
      const state: RuntimeState = { v: 1, spawner: { pid: process.pid, startTime: selfStartTime }, controller: controllerInfo, children: [...children.values()].map((c) => c.entry) };
      await writeRuntimeState(STATE_FILE, state).catch((err: unknown) => log('warn', `cannot write ${STATE_FILE}: ${String(err)}`));
    } while (dirty);
  } finally {
    writing = false;
  }
}

let reaper: ChildProcess | undefined;
function tellReaper(m: ReaperMessage): void {
  if (reaper?.connected) reaper.send(m);
}
function startReaper(): void {
  if (shuttingDown) return;
  const r = fork(path.join(__dirname, 'reaper.js'), [], { detached: !isWindows, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
  reaper = r;
  r.once('spawn', () => {
    tellReaper({ type: 'controller', controller: controllerInfo });
    for (const c of children.values()) tellReaper({ type: 'child', child: c.entry });
  });
  r.once('exit', () => {
    if (reaper !== r) return;
    reaper = undefined;
    if (!shuttingDown) setTimeout(startReaper, 500).unref();
  });
  r.on('error', () => undefined);
  r.unref();
  r.channel?.unref();
}

// --- workers -------------------------------------------------------------------------------------
async function doSpawn(m: SpawnRequest): Promise<void> {
  const reply = controller;
  const answer = (r: FromSpawner): void => {
    if (reply && reply === controller) writeLine(reply, r);
  };
  // A missing cwd makes spawn() fail with a misleading "spawn <cmd> ENOENT": check it first.
  try {
    const st = await stat(m.cwd);
    if (!st.isDirectory()) return answer({ type: 'spawn-failed', ref: m.ref, code: 'ENOTDIR', message: `working directory ${m.cwd} is not a directory` });
  } catch {
    return answer({ type: 'spawn-failed', ref: m.ref, code: 'ECWD', message: `working directory ${m.cwd} does not exist` });
  }
  if (shuttingDown) return answer({ type: 'spawn-failed', ref: m.ref, code: 'ESHUTDOWN', message: 'the spawner is shutting down' });
  let child: ChildProcess;
  try {
    child = spawn(m.argv[0], m.argv.slice(1), { cwd: m.cwd, env: { ...baseEnv, ...m.env }, detached: !isWindows, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return answer({ type: 'spawn-failed', ref: m.ref, code: e.code ?? 'ESPAWN', message: e.message });
  }
  let started = false;
  child.once('error', (err: NodeJS.ErrnoException) => {
    if (started) return;
    const hint = err.code === 'ENOENT' ? `command not found: ${m.argv[0]}` : err.code === 'EACCES' ? `permission denied: ${m.argv[0]}` : err.message;
    answer({ type: 'spawn-failed', ref: m.ref, code: err.code ?? 'ESPAWN', message: hint });
  });
  child.once('spawn', () => {
    started = true;
    const pid = child.pid as number;
    const entry: RuntimeChild = { pid, startTime: 'unknown', pool: m.pool, workerId: m.workerId, startedAt: Date.now(), stopSignal: m.stopSignal, stopTimeoutMs: m.stopTimeoutMs };
    children.set(pid, { proc: child, entry });
    // The reaper hears of it first: if this process dies now, the worker is still accounted for.
    tellReaper({ type: 'child', child: entry });
    answer({ type: 'spawned', ref: m.ref, pid });
    const file: WorkerLog | undefined = m.log ? logSinks.attach(m.log, m.workerId, { stdout: child.stdout, stderr: child.stderr }) : undefined;
    child.stdout?.setEncoding('utf8').on('data', (data: string) => {
      file?.write('stdout', data);
      emit({ type: 'output', pid, stream: 'stdout', data });
      holdIfBehind(child.stdout);
    });
    child.stderr?.setEncoding('utf8').on('data', (data: string) => {
      file?.write('stderr', data);
      emit({ type: 'output', pid, stream: 'stderr', data });
      holdIfBehind(child.stderr);
    });
    // 'close' (not 'exit'): all output has been read by then.
    child.once('close', (code, signal) => {
      file?.end();
      children.delete(pid);
      tellReaper({ type: 'gone', pid });
      emit({ type: 'exit', pid, code, signal });
      void saveState();
      if (shuttingDown && children.size === 0) void finish();
    });
    void processStartTime(pid).then((t) => {
      if (t && children.get(pid)?.entry === entry) {
        entry.startTime = t;
        tellReaper({ type: 'child', child: entry });
      }
      void saveState();
    });
  });
}

function doSignal(pid: number, signal: string, group: boolean): void {
  if (isWindows) {
    const [cmd, ...rest] = windowsKillArgv(pid, signal);
    spawn(cmd, rest, { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  try {
    if (group) signalGroupPosix(pid, signal);
    else process.kill(pid, signal as NodeJS.Signals);
  } catch {
    // gone already
  }
}

/** Every worker gets its stop signal (or the one given), then SIGKILL at its timeout; then exit. */
function shutdownAll(why: string, signal?: string, timeoutMs?: number): void {
  if (shuttingDown) return;
  shuttingDown = true;
  if (graceTimer) clearTimeout(graceTimer);
  server?.close();
  if (children.size) log('info', `${why}: stopping ${children.size} worker(s)`);
  const started = Date.now();
  for (const c of children.values()) doSignal(c.entry.pid, signal ?? c.entry.stopSignal, true);
  if (children.size === 0) {
    void finish();
    return;
  }
  const check = setInterval(() => {
    const now = Date.now();
    for (const c of children.values()) {
      if (now - started >= (timeoutMs ?? c.entry.stopTimeoutMs)) doSignal(c.entry.pid, 'SIGKILL', true);
    }
    if (children.size === 0) clearInterval(check);
  }, 50);
}

let finishing = false;
async function finish(): Promise<void> {
  if (finishing) return;
  finishing = true;
  tellReaper({ type: 'done' });
  while (writing) await new Promise((r) => setTimeout(r, 10));
  await logSinks.closeAll();
  await removeRuntimeState(STATE_FILE);
  controller?.end();
  setTimeout(() => process.exit(0), 20);
}

// --- controllers ---------------------------------------------------------------------------------
let usage: Promise<UsageSource> | undefined;
async function doSample(socket: Socket, ref: number, pids: number[]): Promise<void> {
  usage ??= createUsageSource();
  const rows = await (await usage).sample(pids);
  writeLine(socket, { type: 'usage', ref, usage: rows.map((u) => [u.pid, u.cpu, u.memoryBytes]) });
}

function onControllerGone(socket: Socket, why: string): void {
  if (controller !== socket) return;
  controller = undefined;
  // Nothing waits on that socket any more: what it held flows into the (bounded) backlog.
  releaseHeldForController();
  controllerInfo = null;
  tellReaper({ type: 'controller', controller: null });
  void saveState();
  if (shuttingDown) return;
  if (children.size === 0) {
    shutdownAll(why);
    return;
  }
  const grace = graceMs;
  left = { at: Date.now(), graceMs: grace };
  log('info', `${why}: keeping ${children.size} worker(s) for ${grace}ms for the next supervisor of this config`);
  graceTimer = setTimeout(() => shutdownAll(`no supervisor came back within ${grace}ms`), grace);
}

function onConnection(socket: Socket): void {
  if (shuttingDown || controller) {
    writeLine(socket, { type: 'busy', controller: controllerInfo?.pid ?? null, reason: shuttingDown ? 'the spawner is stopping its workers' : `supervised by pid ${controllerInfo?.pid ?? '?'}` });
    socket.end();
    return;
  }
  let hello = false;
  const helloTimer = setTimeout(() => !hello && socket.destroy(), HELLO_TIMEOUT_MS);
  socket.on('error', () => undefined);
  socket.once('close', () => {
    clearTimeout(helloTimer);
    onControllerGone(socket, 'the supervisor disconnected');
  });
  readLines(socket, (raw) => {
    const m = parseToSpawner(raw);
    if (!m) return log('warn', `ignored a malformed message: ${JSON.stringify(raw).slice(0, 200)}`);
    if (!hello) {
      if (m.type !== 'hello') return void socket.destroy();
      if (controller || shuttingDown) {
        writeLine(socket, { type: 'busy', controller: controllerInfo?.pid ?? null, reason: 'taken by another supervisor' });
        return void socket.end();
      }
      hello = true;
      clearTimeout(helloTimer);
      if (graceTimer) clearTimeout(graceTimer);
      graceTimer = undefined;
      controller = socket;
      controllerInfo = { pid: m.pid, startTime: m.startTime };
      if (m.graceMs !== null) graceMs = m.graceMs;
      tellReaper({ type: 'controller', controller: controllerInfo });
      void saveState();
      const handed = [...children.values()].map((c) => ({ pid: c.entry.pid, workerId: c.entry.workerId, pool: c.entry.pool, startedAt: c.entry.startedAt }));
      const waited = left ? { ms: Date.now() - left.at, graceMs: left.graceMs } : null;
      left = undefined;
      writeLine(socket, { type: 'ready', pid: process.pid, children: handed, kept, waited });
      const missed = backlog;
      backlog = [];
      backlogBytes = 0;
      for (const e of missed) writeLine(socket, e);
      return;
    }
    if (controller !== socket) return;
    switch (m.type) {
      case 'spawn':
        return void doSpawn(m);
      case 'sample':
        return void doSample(socket, m.ref, m.pids);
      case 'signal':
        return doSignal(m.pid, m.signal, m.group);
      case 'shutdown':
        return shutdownAll('shutdown requested', m.signal, m.timeoutMs);
      case 'keep':
        kept = m.state;
        return;
      case 'detach':
        socket.end();
        return;
      case 'hello':
        return;
    }
  });
}

/** Listens on the socket; a stale socket file (a dead spawner's) is replaced, a live one means exit. */
async function listen(): Promise<Server> {
  const s = createServer(onConnection);
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(SOCKET, () => {
          s.off('error', reject);
          resolve();
        });
      });
      return s;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 0 || isWindows) throw err;
      const live = await new Promise<boolean>((resolve) => {
        const c = createConnection(SOCKET, () => {
          c.destroy();
          resolve(true);
        });
        c.on('error', () => resolve(false));
      });
      if (live) throw Object.assign(new Error(`another spawner listens on ${SOCKET}`), { code: 'EBUSY' });
      const { unlink } = await import('node:fs/promises');
      await unlink(SOCKET).catch(() => undefined);
    }
  }
}

async function main(): Promise<void> {
  selfStartTime = (await processStartTime(process.pid)) ?? 'unknown';
  try {
    server = await listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
    process.send?.({ type: 'failed', code, message: err instanceof Error ? err.message : String(err) });
    process.exit(3);
  }
  await saveState();
  startReaper();
  // The starter hears that the socket is up, then lets go of us: from here on we live on our own.
  if (process.send) {
    process.send({ type: 'listening', pid: process.pid });
    process.disconnect();
  }
  // Nobody connected within the hello window: nothing to do here.
  graceTimer = setTimeout(() => !controller && children.size === 0 && shutdownAll('no supervisor connected'), Math.max(graceMs, HELLO_TIMEOUT_MS));
}

process.on('SIGTERM', () => shutdownAll('SIGTERM'));
// Detached from any terminal: a Ctrl-C or a hang-up aimed at the supervisor is the supervisor's business.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
// The starter's IPC channel ends after 'listening'; that is not a reason to stop.
process.on('disconnect', () => undefined);
void main();
