// ProcessRunner on top of the spawner process. The engine never calls spawn() itself: it sends a
// message and the spawner forks. If the spawner dies, every worker it started is reported orphaned
// (the engine keeps its pid and watches its process group directly), and a new spawner is started.
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger, ProcessHandlers, ProcessRunner, ProcessSpec, ProcessUsage, SpawnFailure, UsageSampler } from '../../core/ports';
import { isGroupAlive, isWindows, signalGroupPosix } from '../platform';
import { isFromSpawner, type FromSpawner, type ToSpawner } from './spawner-protocol';

type StartResult = { pid: number } | { failure: SpawnFailure };

const SAMPLE_TIMEOUT_MS = 5000;

/**
 * Also the UsageSampler: the spawner reads CPU/memory of all pids in one request per tick, so the
 * host never does per-pid I/O (nor, on macOS, a `ps` per sample).
 */
export class SpawnerClient implements ProcessRunner, UsageSampler {
  private child: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private nextRef = 1;
  private readonly pending = new Map<number, { handlers: ProcessHandlers; resolve: (r: StartResult) => void }>();
  private readonly byPid = new Map<number, ProcessHandlers>();
  private readonly samples = new Map<number, (m: Map<number, ProcessUsage>) => void>();
  private closed = false;
  private restarts = 0;
  /** pid of the current spawner process (for tests and diagnostics). */
  spawnerPid: number | undefined;

  constructor(
    private readonly spawnerPath: string,
    private readonly logger: Logger,
  ) {}

  async start(spec: ProcessSpec, handlers: ProcessHandlers): Promise<StartResult> {
    const child = await this.ensure();
    const ref = this.nextRef++;
    // Only the pool's own variables travel: the spawner inherited the rest of the environment.
    return new Promise<StartResult>((resolve) => {
      this.pending.set(ref, { handlers, resolve });
      this.send(child, { type: 'spawn', ref, argv: [...spec.argv], cwd: spec.cwd, env: { ...spec.env } });
    });
  }

  async signalGroup(pid: number, signal: string): Promise<boolean> {
    if (!isWindows) return signalGroupPosix(pid, signal); // a syscall, no need to go through the spawner
    const child = await this.ensure();
    this.send(child, { type: 'signal', pid, signal, group: true });
    return true;
  }

  async sample(pids: readonly number[]): Promise<Map<number, ProcessUsage>> {
    const empty = new Map<number, ProcessUsage>();
    if (pids.length === 0 || !this.child?.connected) return empty;
    const child = this.child;
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
      this.send(child, { type: 'sample', ref, pids: [...pids] });
    });
  }

  isGroupAlive(pid: number): Promise<boolean> {
    return isGroupAlive(pid);
  }

  /** Ends the spawner. Workers should have been drained first; any left get signal then SIGKILL. */
  async close(signal = 'SIGTERM', timeoutMs = 5000): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.send(child, { type: 'shutdown', signal, timeoutMs });
    await exited;
  }

  private ensure(): Promise<ChildProcess> {
    if (this.closed) return Promise.reject(new Error('the spawner was closed'));
    if (this.ready) return this.ready;
    this.ready = new Promise<ChildProcess>((resolve, reject) => {
      // fork() costs the host one spawn, once (and again only if the spawner dies).
      const child = fork(this.spawnerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
      this.child = child;
      let isReady = false;
      child.on('message', (m: unknown) => {
        if (!isFromSpawner(m)) return;
        if (m.type === 'ready') {
          isReady = true;
          this.spawnerPid = m.pid;
          resolve(child);
          return;
        }
        this.onMessage(m);
      });
      child.once('error', (err) => {
        if (!isReady) reject(err);
      });
      child.once('exit', (code, signal) => {
        if (!isReady) reject(new Error(`the spawner exited before it was ready (code ${code}, signal ${signal})`));
        this.onSpawnerExit(child, code, signal);
      });
    });
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
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
        this.byPid.get(m.pid)?.onOutput(m.stream, m.data);
        return;
      case 'usage': {
        const done = this.samples.get(m.ref);
        this.samples.delete(m.ref);
        done?.(new Map(m.usage.map(([pid, cpu, memoryBytes]) => [pid, { cpu, memoryBytes }])));
        return;
      }
      case 'exit': {
        const h = this.byPid.get(m.pid);
        this.byPid.delete(m.pid);
        h?.onExit(m.code, m.signal);
        return;
      }
      default:
        return;
    }
  }

  private onSpawnerExit(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.ready = undefined;
    this.spawnerPid = undefined;
    const orphans = [...this.byPid.values()];
    this.byPid.clear();
    for (const [, p] of this.pending) p.resolve({ failure: { code: 'ESPAWNER', message: 'the spawner exited while starting the process' } });
    this.pending.clear();
    for (const done of this.samples.values()) done(new Map());
    this.samples.clear();
    if (this.closed) return;
    this.restarts++;
    this.logger.warn(`spawner exited (code ${code}, signal ${signal}); ${orphans.length} worker(s) orphaned; starting a new spawner (restart #${this.restarts})`);
    for (const h of orphans) h.onOrphaned();
    // Start the new one right away so replacements do not wait; bounded retry if it fails.
    const retry = (attempt: number): void => {
      this.ensure().catch((err: unknown) => {
        this.logger.error(`could not restart the spawner: ${err instanceof Error ? err.message : String(err)}`);
        if (!this.closed && attempt < 10) setTimeout(() => retry(attempt + 1), Math.min(5000, 100 * 2 ** attempt)).unref();
      });
    };
    retry(0);
  }

  private send(child: ChildProcess, m: ToSpawner): void {
    if (child.connected) child.send(m);
  }
}
