// ProcessRunner on top of the spawner process. The engine never calls spawn() itself: it sends a
// message and the spawner forks. The spawner lives in a session of its own and listens on a socket
// per config: connect() takes over a spawner that an earlier supervisor of the same config left (a
// window reload), with its workers; or, when none answers, stops what the runtime state file says
// is still running and starts a new spawner. If the spawner dies while we run, every worker it
// started is reported orphaned (the engine keeps its pid and watches its process group directly),
// and a new spawner is started.
import { fork } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import * as path from 'node:path';
import type { Handover, Logger, ProcessHandlers, ProcessRunner, ProcessSpec, ProcessUsage, SpawnFailure, UsageSampler } from '../../core/ports';
import { isGroupAlive, isWindows, processStartTime, signalGroupPosix } from '../platform';
import { runtimePaths, type RuntimePaths } from './runtime-paths';
import { liveChildren, readRuntimeState } from './runtime-state';
import { parseFromSpawner, readLines, writeLine, type FromSpawner, type ToSpawner } from './spawner-protocol';
import { stopChildren } from './stop-children';

type StartResult = { pid: number } | { failure: SpawnFailure };

const SAMPLE_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;
/** Events of a handed-over worker that arrive before the engine attaches it. */
const MAX_UNCLAIMED_EVENTS = 2000;

export interface SpawnerClientOptions {
  spawnerPath: string;
  logger: Logger;
  /** The config file: one spawner (socket, state file) per config. */
  configFile: string;
  /** How long the spawner keeps the workers for a successor once this supervisor is gone. */
  graceMs: number;
  /** Defaults to runtimeDir(). */
  runtimeDir?: string;
}

/** Another supervisor controls the spawner of this config: this one must not start workers. */
export class SpawnerBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpawnerBusyError';
  }
}

/**
 * Also the UsageSampler: the spawner reads CPU/memory of all pids in one request per tick, so the
 * host never does per-pid I/O (nor, on macOS, a `ps` per sample).
 */
export class SpawnerClient implements ProcessRunner, UsageSampler {
  private socket: Socket | undefined;
  private ready: Promise<Socket> | undefined;
  private nextRef = 1;
  private readonly pending = new Map<number, { handlers: ProcessHandlers; resolve: (r: StartResult) => void }>();
  private readonly byPid = new Map<number, ProcessHandlers>();
  /** Handed-over workers not attached yet, and what they said meanwhile. */
  private readonly unclaimed = new Map<number, FromSpawner[]>();
  private readonly samples = new Map<number, (m: Map<number, ProcessUsage>) => void>();
  private closed = false;
  private restarts = 0;
  private handover: Handover | undefined;
  private lastKept = '';
  readonly paths: RuntimePaths;
  /** pid of the current spawner process (for tests and diagnostics). */
  spawnerPid: number | undefined;

  constructor(private readonly opts: SpawnerClientOptions) {
    this.paths = runtimePaths(opts.configFile, opts.runtimeDir);
  }

  /**
   * Connects to this config's spawner, starting one if needed. Resolves with what an earlier
   * supervisor handed over (its workers and kept state); empty when the spawner is new.
   */
  async connect(): Promise<Handover> {
    await this.ensure(true);
    return this.handover ?? { processes: [], state: null, waited: null };
  }

  async start(spec: ProcessSpec, handlers: ProcessHandlers): Promise<StartResult> {
    const socket = await this.ensure(false);
    const ref = this.nextRef++;
    // Only the pool's own variables travel: the spawner inherited the rest of the environment.
    return new Promise<StartResult>((resolve) => {
      this.pending.set(ref, { handlers, resolve });
      this.send(socket, {
        type: 'spawn', ref, argv: [...spec.argv], cwd: spec.cwd, env: { ...spec.env },
        workerId: spec.workerId, pool: spec.pool, stopSignal: spec.stop.signal, stopTimeoutMs: spec.stop.timeoutMs,
        ...(spec.log ? { log: { ...spec.log } } : {}),
      });
    });
  }

  attach(pid: number, handlers: ProcessHandlers): void {
    this.byPid.set(pid, handlers);
    const missed = this.unclaimed.get(pid) ?? [];
    this.unclaimed.delete(pid);
    for (const m of missed) this.onMessage(m);
  }

  /** What the next supervisor needs; sent only when it changed. */
  keep(state: unknown): void {
    const text = JSON.stringify(state);
    if (text === this.lastKept || !this.socket) return;
    this.lastKept = text;
    this.send(this.socket, { type: 'keep', state });
  }

  async signalGroup(pid: number, signal: string): Promise<boolean> {
    if (!isWindows) return signalGroupPosix(pid, signal); // a syscall, no need to go through the spawner
    const socket = await this.ensure(false);
    this.send(socket, { type: 'signal', pid, signal, group: true });
    return true;
  }

  async sample(pids: readonly number[]): Promise<Map<number, ProcessUsage>> {
    const empty = new Map<number, ProcessUsage>();
    const socket = this.socket;
    if (pids.length === 0 || !socket || socket.destroyed) return empty;
    const ref = this.nextRef++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.samples.delete(ref);
        resolve(empty);
      }, SAMPLE_TIMEOUT_MS);
      this.samples.set(ref, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.send(socket, { type: 'sample', ref, pids: [...pids] });
    });
  }

  isGroupAlive(pid: number): Promise<boolean> {
    return isGroupAlive(pid);
  }

  /** Ends the spawner. Workers should have been drained first; any left get signal then SIGKILL. */
  async close(signal = 'SIGTERM', timeoutMs = 5000): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    this.send(socket, { type: 'shutdown', signal, timeoutMs });
    await gone;
  }

  /**
   * Lets go of the spawner without stopping anything: it keeps the workers for its grace period,
   * for the next supervisor of this config (the editor's window reload).
   */
  async detach(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    this.send(socket, { type: 'detach' });
    socket.end();
    await gone;
  }

  private ensure(first: boolean): Promise<Socket> {
    if (this.closed) return Promise.reject(new Error('the spawner was closed'));
    if (this.ready) return this.ready;
    this.ready = this.connectOrStart(first);
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  private async connectOrStart(first: boolean): Promise<Socket> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const socket = await this.dial();
      if (socket) {
        const hello = await this.hello(socket);
        if (hello) return hello;
        continue; // it was shutting down: try again once it is gone
      }
      // No spawner answers. At start, what an earlier one left running is stopped before we begin:
      // one pool never has two sets of workers. (Later, leftovers are our own orphans: the pools replace them.)
      if (first && attempt === 0) await this.stopLeftovers();
      if (await this.startSpawner()) continue;
    }
    throw new Error(`could not start or reach the spawner on ${this.paths.socket}`);
  }

  private dial(): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const s = createConnection(this.paths.socket);
      const timer = setTimeout(() => {
        s.destroy();
        resolve(undefined);
      }, CONNECT_TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }

  /** Says hello; resolves with the socket once the spawner is ours, undefined if it is stopping. */
  private hello(socket: Socket): Promise<Socket | undefined> {
    return new Promise((resolve, reject) => {
      let settled = false;
      socket.on('error', () => undefined);
      readLines(socket, (raw) => {
        const m = parseFromSpawner(raw);
        if (!m) return;
        if (settled) return this.onMessage(m);
        settled = true;
        if (m.type === 'busy') {
          socket.destroy();
          if (m.controller !== null) {
            reject(new SpawnerBusyError(`${this.opts.configFile} is already supervised by pid ${m.controller} on this machine (${m.reason}); stop that supervisor first`));
          } else {
            setTimeout(() => resolve(undefined), 200);
          }
          return;
        }
        if (m.type !== 'ready') {
          socket.destroy();
          return reject(new Error(`the spawner answered ${m.type} to hello`));
        }
        this.socket = socket;
        this.spawnerPid = m.pid;
        this.handover = { processes: m.children, state: m.kept, waited: m.waited };
        for (const c of m.children) this.unclaimed.set(c.pid, []);
        this.lastKept = JSON.stringify(m.kept);
        socket.once('close', () => this.onSpawnerGone(socket));
        resolve(socket);
      });
      socket.once('close', () => {
        if (!settled) {
          settled = true;
          resolve(undefined);
        }
      });
      void processStartTime(process.pid).then((startTime) => this.send(socket, { type: 'hello', pid: process.pid, startTime: startTime ?? 'unknown', graceMs: this.opts.graceMs }));
    });
  }

  private async stopLeftovers(): Promise<void> {
    const state = await readRuntimeState(this.paths.state);
    if (state === undefined) return;
    if (state === 'invalid') {
      this.opts.logger.warn(`${this.paths.state} is not a runtime state file Chaperone understands; ignored`);
      return;
    }
    const live = await liveChildren(state.children);
    if (live.length === 0) return;
    this.opts.logger.warn(
      `stopping ${live.length} worker(s) an earlier supervisor of ${this.opts.configFile} left running ` +
        `(${live.map((c) => `${c.workerId} pid ${c.pid}`).join(', ')}) before starting new ones`,
    );
    const r = await stopChildren(live);
    if (r.killed.length) this.opts.logger.warn(`killed at their stop timeout: ${r.killed.map((c) => `${c.workerId} pid ${c.pid}`).join(', ')}`);
  }

  /** Starts a detached spawner; resolves true once it listens (or another one does). */
  private async startSpawner(): Promise<boolean> {
    await mkdir(this.paths.dir, { recursive: true, mode: 0o700 });
    const log = await open(path.join(this.paths.dir, `${path.basename(this.paths.state, '.json')}.log`), 'a', 0o600);
    try {
      // fork() costs the host one spawn, once (and again only if the spawner dies). It starts a new
      // session (detached), so a signal to our process group leaves it and its workers alone.
      const child = fork(this.opts.spawnerPath, ['--socket', this.paths.socket, '--state', this.paths.state, '--grace', String(this.opts.graceMs)], {
        detached: !isWindows, stdio: ['ignore', 'ignore', log.fd, 'ipc'], serialization: 'json',
      });
      const outcome = await new Promise<'listening' | 'busy' | Error>((resolve) => {
        child.on('message', (m: unknown) => {
          const t = (m as { type?: unknown; code?: unknown; message?: unknown } | null) ?? {};
          if (t.type === 'listening') resolve('listening');
          else if (t.type === 'failed') resolve(t.code === 'EBUSY' ? 'busy' : new Error(`the spawner could not listen: ${String(t.message)}`));
        });
        child.once('error', (err) => resolve(err));
        child.once('exit', (code, signal) => resolve(new Error(`the spawner exited before it was ready (code ${code}, signal ${signal})`)));
      });
      child.unref();
      if (child.connected) child.disconnect();
      if (outcome instanceof Error) throw outcome;
      return true;
    } finally {
      await log.close();
    }
  }

  private onMessage(m: FromSpawner): void {
    switch (m.type) {
      case 'spawned': {
        const p = this.pending.get(m.ref);
        if (!p) return;
        this.pending.delete(m.ref);
        this.byPid.set(m.pid, p.handlers);
        p.resolve({ pid: m.pid });
        return;
      }
      case 'spawn-failed': {
        const p = this.pending.get(m.ref);
        this.pending.delete(m.ref);
        p?.resolve({ failure: { code: m.code, message: m.message } });
        return;
      }
      case 'output':
      case 'exit': {
        const h = this.byPid.get(m.pid);
        if (!h) {
          const q = this.unclaimed.get(m.pid);
          if (q && q.length < MAX_UNCLAIMED_EVENTS) q.push(m);
          return;
        }
        if (m.type === 'output') h.onOutput(m.stream, m.data);
        else {
          this.byPid.delete(m.pid);
          h.onExit(m.code, m.signal);
        }
        return;
      }
      case 'usage': {
        const done = this.samples.get(m.ref);
        this.samples.delete(m.ref);
        done?.(new Map(m.usage.map(([pid, cpu, memoryBytes]) => [pid, { cpu, memoryBytes }])));
        return;
      }
      case 'log':
        this.opts.logger[m.level](`spawner: ${m.message}`);
        return;
      default:
        return;
    }
  }

  private onSpawnerGone(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.ready = undefined;
    this.spawnerPid = undefined;
    this.lastKept = '';
    const orphans = [...this.byPid.values()];
    this.byPid.clear();
    this.unclaimed.clear();
    for (const [, p] of this.pending) p.resolve({ failure: { code: 'ESPAWNER', message: 'the spawner exited while starting the process' } });
    this.pending.clear();
    for (const done of this.samples.values()) done(new Map());
    this.samples.clear();
    if (this.closed) return;
    this.restarts++;
    this.opts.logger.warn(`spawner exited; ${orphans.length} worker(s) orphaned; starting a new spawner (restart #${this.restarts})`);
    for (const h of orphans) h.onOrphaned();
    // Start the new one right away so replacements do not wait; bounded retry if it fails.
    const retry = (attempt: number): void => {
      this.ensure(false).catch((err: unknown) => {
        this.opts.logger.error(`could not restart the spawner: ${err instanceof Error ? err.message : String(err)}`);
        if (!this.closed && attempt < 10) setTimeout(() => retry(attempt + 1), Math.min(5000, 100 * 2 ** attempt)).unref();
      });
    };
    retry(0);
  }

  private send(socket: Socket, m: ToSpawner): void {
    writeLine(socket, m);
  }
}
