// A pool: N copies of one command. Keeps the desired count, scales within [min, max], drains,
// replaces single workers (limits, lost spawner) and does rolling restarts (replacement first).
import { Emitter } from './emitter';
import type { PoolConfig } from './config/types';
import { poolFingerprint, type PoolHandover } from './handover';
import type { HandedProcess, ProcessSpec } from './ports';
import type { PoolSnapshot, PoolState } from './snapshot';
import { Worker, type LogLine, type StopResult, type WorkerDeps } from './worker';
import type { DebugLaunch } from './debug-launch';
import type { QueueRedirect } from './debug-queues';

/** A debug worker's id: the pool's name, "debug", a number; a successor stops any it is handed. */
export const DEBUG_WORKER_ID = /-debug-\d+$/;

export class ActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionError';
  }
}

export interface DrainReport {
  pool: string;
  /** Workers that exited on their own after the stop signal. */
  finished: StopResult[];
  /** Workers still busy when the timeout came: killed with their process group. */
  killedAtTimeout: StopResult[];
  durationMs: number;
}

type Operation = 'draining' | 'stopping' | 'restarting';

export class Pool {
  readonly changed = new Emitter<Pool>();
  readonly logged = new Emitter<LogLine>();
  desired: number;
  workers: Worker[] = [];
  /** Workers under a debugger: not counted, not scaled, not restarted, stopped with their session. */
  debugWorkers: Worker[] = [];
  private seq = 0;
  private debugSeq = 0;
  /** When the desired count last changed (manual or automatic): the scaler's cooldown starts here. */
  lastScaleAt = 0;
  /** A manual scale of an autoscaled pool holds its count against the scaler until then. */
  pinnedUntil: number | null = null;
  private operation: Operation | undefined;
  private stopped = true;

  constructor(
    readonly config: PoolConfig,
    private readonly deps: WorkerDeps,
    private readonly logLines: number,
    private readonly extraEnv: Record<string, string> = {},
  ) {
    this.desired = config.initial;
  }

  get name(): string {
    return this.config.name;
  }

  get state(): PoolState {
    if (this.operation) return this.operation;
    if (this.stopped) return 'stopped';
    const active = this.activeWorkers();
    if (active.some((w) => w.state === 'fatal' || w.state === 'backoff')) return 'degraded';
    if (active.length === this.desired && active.every((w) => w.state === 'running')) return 'running';
    return 'starting';
  }

  /** Returns false when the pool was already running. */
  start(): boolean {
    if (!this.stopped) return false;
    this.stopped = false;
    if (this.desired === 0) this.desired = this.config.initial;
    this.reconcile();
    return true;
  }

  scale(count: number): { from: number; to: number; pinnedUntil?: number } {
    const { min, max } = this.config;
    if (!Number.isInteger(count) || count < min || count > max) {
      throw new ActionError(`cannot scale pool "${this.name}" to ${count}: it must stay within min ${min} and max ${max} (chaperone.json: pools.${this.name}.processes)`);
    }
    if (this.operation === 'draining' || this.operation === 'stopping') throw new ActionError(`pool "${this.name}" is ${this.operation}; start it first`);
    const from = this.desired;
    const now = this.deps.clock.now();
    this.desired = count;
    this.lastScaleAt = now;
    // The person's count wins over the scaler's for a stated time, never silently undone.
    const pin = this.config.scale.strategy === 'fixed' ? undefined : this.config.scale.pinMs;
    this.pinnedUntil = pin === undefined ? null : now + pin;
    if (this.stopped) this.stopped = false;
    this.reconcile();
    return { from, to: count, ...(this.pinnedUntil !== null ? { pinnedUntil: this.pinnedUntil } : {}) };
  }

  /** Stops one named worker and lowers the desired count by one, so it is not replaced. */
  async stopWorker(id: string, timeoutMs = this.config.stop.timeoutMs): Promise<StopResult> {
    const w = this.findWorker(id);
    if (!w || !w.active) throw new ActionError(`no running worker "${id}" in pool ${this.name} (workers: ${this.activeWorkers().map((x) => x.id).join(', ') || 'none'})`);
    if (!this.stopped && this.desired - 1 < this.config.min) {
      throw new ActionError(`stopping ${id} would leave pool "${this.name}" below its min of ${this.config.min}; restart the pool, or stop the whole pool`);
    }
    if (!this.stopped) {
      this.desired -= 1;
      this.lastScaleAt = this.deps.clock.now();
    }
    const r = await w.stop({ signal: this.config.stop.signal, timeoutMs, reason: 'stopped by a command' });
    this.prune();
    this.reconcile();
    return r;
  }

  /** True while a manual scale holds the scaler off. */
  pinned(now = this.deps.clock.now()): boolean {
    return this.pinnedUntil !== null && now < this.pinnedUntil;
  }

  /** The scaler's change: only while the pool runs normally (not stopped, draining or restarting) and is not pinned. */
  autoscale(count: number): boolean {
    if (this.stopped || this.operation || count === this.desired || this.pinned()) return false;
    this.pinnedUntil = null;
    this.desired = Math.min(this.config.max, Math.max(this.config.min, count));
    this.lastScaleAt = this.deps.clock.now();
    this.reconcile();
    return true;
  }

  /** True while the scaler may act on this pool. */
  get autoscaling(): boolean {
    return this.config.scale.strategy !== 'fixed' && !this.stopped && !this.operation;
  }

  /** Stop signal to every worker, no respawn, wait for the exits (SIGKILL at the timeout). */
  async drain(timeoutMs = this.config.stop.timeoutMs, operation: 'draining' | 'stopping' = 'draining'): Promise<DrainReport> {
    const started = this.deps.clock.now();
    this.operation = operation;
    this.stopped = true;
    this.emitChange();
    const results = await Promise.all(
      [...this.workers, ...this.debugWorkers].map((w) => w.stop({ signal: this.config.stop.signal, timeoutMs, reason: operation === 'draining' ? 'drained' : 'stopped' })),
    );
    this.workers = this.workers.filter((w) => w.state !== 'stopped');
    this.operation = undefined;
    this.emitChange();
    return {
      pool: this.name,
      finished: results.filter((r) => r.pid !== null && !r.killed),
      killedAtTimeout: results.filter((r) => r.killed),
      durationMs: this.deps.clock.now() - started,
    };
  }

  /**
   * Rolling restart: for each worker, its replacement must be running before it gets the stop signal,
   * so the pool never has fewer than N-1 (in practice N) running workers.
   */
  async restart(): Promise<{ replaced: number }> {
    if (this.operation) throw new ActionError(`pool "${this.name}" is already ${this.operation}`);
    if (this.stopped) {
      this.start();
      return { replaced: 0 };
    }
    this.operation = 'restarting';
    this.emitChange();
    let replaced = 0;
    try {
      for (const old of [...this.activeWorkers()]) {
        if (!old.active) continue;
        await this.replace(old, 'rolling restart');
        replaced++;
      }
    } finally {
      this.operation = undefined;
      this.reconcile();
    }
    return { replaced };
  }

  /** Starts a replacement, waits until it runs, then stops `old` gracefully. */
  async replace(old: Worker, reason: string): Promise<void> {
    if (old.state === 'fatal' || old.state === 'backoff' || old.state === 'stopped') {
      // Nothing running to keep: recover in place.
      if (old.state === 'stopped') return;
      old.restartNow();
      const s = await old.whenSettled();
      if (s === 'fatal') throw new ActionError(`worker ${old.id} of pool "${this.name}" is still failing: ${old.fatalReason ?? 'fatal'}`);
      return;
    }
    old.retiring = true; // from now on it no longer counts towards the desired number
    const fresh = this.addWorker();
    const settled = await fresh.whenSettled();
    if (settled !== 'running') {
      old.retiring = false;
      void fresh.stop({ signal: this.config.stop.signal, timeoutMs: this.config.stop.timeoutMs, reason: 'replacement failed' });
      throw new ActionError(`replacement for ${old.id} did not start (${fresh.fatalReason ?? settled}); ${old.id} keeps running`);
    }
    await old.stop({ signal: this.config.stop.signal, timeoutMs: this.config.stop.timeoutMs, reason });
    this.prune();
  }

  /** Called when a limit is breached or the spawner was lost: replace in the background. */
  replaceInBackground(w: Worker, reason: string): void {
    if (w.retiring || this.operation === 'draining' || this.operation === 'stopping') return;
    w.noteExitReason(reason);
    this.replace(w, reason).catch((err: unknown) => {
      this.deps.logger.error(`${w.id}: ${reason}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  snapshot(): PoolSnapshot {
    return {
      name: this.name,
      state: this.state,
      desired: this.stopped ? 0 : this.desired,
      min: this.config.min,
      max: this.config.max,
      queues: [...this.config.queues],
      workers: [...this.workers, ...this.debugWorkers].map((w) => w.snapshot()),
      scaling: this.config.scale.strategy === 'fixed' ? { by: 'manual' } : this.pinned() ? { by: 'pinned', strategy: this.config.scale.strategy, until: this.pinnedUntil as number } : { by: 'autoscaler', strategy: this.config.scale.strategy },
    };
  }

  /** What the next supervisor of this config needs to carry on with this pool. */
  handover(): PoolHandover {
    return {
      name: this.name, desired: this.desired, stopped: this.stopped, seq: this.seq, lastScaleAt: this.lastScaleAt,
      pinnedUntil: this.pinnedUntil, fingerprint: poolFingerprint(this.config),
      workers: this.workers.filter((w) => w.pid !== null).map((w) => ({ id: w.id, restarts: w.restarts })),
    };
  }

  /**
   * Carries on from an earlier supervisor: its live workers are taken over as they are, and the
   * pool keeps its count, its stopped state and its pin. Workers that run an older command are
   * replaced by a rolling restart.
   */
  adopt(handed: readonly HandedProcess[], kept: PoolHandover | undefined): void {
    let processes = handed;
    const clamp = (n: number): number => Math.min(this.config.max, Math.max(this.config.min, n));
    const numbers = processes.map((p) => Number(/-(\d+)$/.exec(p.workerId)?.[1] ?? 0));
    this.seq = Math.max(this.seq, kept?.seq ?? 0, ...numbers);
    // A debug worker's session ended with the supervisor that started it: it is stopped, never counted.
    for (const p of processes.filter((x) => DEBUG_WORKER_ID.test(x.workerId))) {
      const w = this.createDebugWorker(p.workerId, { argv: [...this.config.command], env: {} }, []);
      w.adopt(p.pid, p.startedAt, 0);
      void w.stop({ signal: this.config.stop.signal, timeoutMs: this.config.stop.timeoutMs, reason: 'its debug session ended with the last supervisor' });
    }
    processes = processes.filter((x) => !DEBUG_WORKER_ID.test(x.workerId));
    for (const p of processes) {
      const w = this.createWorker(p.workerId);
      w.adopt(p.pid, p.startedAt, kept?.workers.find((x) => x.id === p.workerId)?.restarts ?? 0);
    }
    if (kept) {
      this.desired = clamp(kept.desired);
      this.lastScaleAt = kept.lastScaleAt;
      this.pinnedUntil = this.config.scale.strategy === 'fixed' ? null : kept.pinnedUntil;
    } else if (processes.length) {
      this.desired = clamp(processes.length);
    }
    if (kept?.stopped) {
      this.stopped = true;
      if (processes.length) void this.drain(this.config.stop.timeoutMs, 'stopping');
      this.emitChange();
      return;
    }
    this.stopped = false;
    this.reconcile();
    if (kept && processes.length && kept.fingerprint !== poolFingerprint(this.config)) {
      this.deps.logger.info(`pool ${this.name}: its command, cwd or env changed since its workers started; rolling restart`);
      this.restart().catch((err: unknown) => this.deps.logger.error(`pool ${this.name}: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  findWorker(id: string): Worker | undefined {
    return this.workers.find((w) => w.id === id) ?? this.debugWorkers.find((w) => w.id === id);
  }

  /**
   * One extra worker under a debugger, its command rewritten for it (launch): it runs beside the
   * pool's count, whatever the pool does, is never restarted, and leaves when it stops.
   */
  startDebugWorker(launch: Pick<DebugLaunch, 'argv' | 'env'>, queues: readonly QueueRedirect[] = []): Worker {
    const w = this.createDebugWorker(`${this.name}-debug-${++this.debugSeq}`, launch, queues);
    w.start();
    this.emitChange();
    return w;
  }

  private createDebugWorker(id: string, launch: Pick<DebugLaunch, 'argv' | 'env'>, queues: readonly QueueRedirect[]): Worker {
    const n = Number(/-(\d+)$/.exec(id)?.[1] ?? 0);
    this.debugSeq = Math.max(this.debugSeq, n);
    const w = new Worker(id, this.name, this.processSpec(id, launch.argv, { ...launch.env, CHAPERONE_DEBUG_WORKER: '1' }), this.config.restart, this.deps, this.logLines);
    w.debug = { queues: [...queues] };
    w.changed.on(() => {
      if (w.state === 'stopped') this.debugWorkers = this.debugWorkers.filter((x) => x !== w);
      this.emitChange();
    });
    w.logged.on((line) => this.logged.emit(line));
    this.debugWorkers.push(w);
    return w;
  }

  activeWorkers(): Worker[] {
    return this.workers.filter((w) => w.active);
  }

  private reconcile(): void {
    if (this.stopped || this.operation === 'draining' || this.operation === 'stopping') return;
    this.prune();
    const active = this.activeWorkers();
    for (let i = active.length; i < this.desired; i++) this.addWorker();
    if (active.length > this.desired) {
      // Scale down the youngest first: the oldest have proven themselves and hold warm caches.
      const extra = [...active].sort((a, b) => b.uptimeMs - a.uptimeMs).slice(this.desired);
      for (const w of extra) {
        void w.stop({ signal: this.config.stop.signal, timeoutMs: this.config.stop.timeoutMs, reason: 'scaled down' }).then(() => this.prune());
      }
    }
    this.emitChange();
  }

  private addWorker(): Worker {
    const w = this.createWorker(`${this.name}-${++this.seq}`);
    w.start();
    return w;
  }

  private createWorker(id: string): Worker {
    const w = new Worker(id, this.name, this.processSpec(id, this.config.command, {}), this.config.restart, this.deps, this.logLines);
    w.changed.on(() => this.onWorkerChange(w));
    w.logged.on((line) => this.logged.emit(line));
    this.workers.push(w);
    return w;
  }

  /** What a worker of this pool runs: its argv, the pool's cwd and env (plus `env`), its stop and its log file. */
  private processSpec(id: string, argv: readonly string[], env: Record<string, string>): ProcessSpec {
    return {
      workerId: id,
      pool: this.name,
      stop: { signal: this.config.stop.signal, timeoutMs: this.config.stop.timeoutMs },
      argv,
      cwd: this.config.cwd,
      env: { ...this.extraEnv, ...this.config.env, ...env, CHAPERONE_POOL: this.name, CHAPERONE_WORKER_ID: id },
      ...(this.config.logs ? { log: this.config.logs } : {}),
    };
  }

  private onWorkerChange(w: Worker): void {
    if (w.orphaned && !w.retiring && w.state !== 'stopped') this.replaceInBackground(w, 'spawner restarted');
    if (w.state === 'stopped') this.prune();
    this.emitChange();
  }

  private prune(): void {
    // Stopped workers that were retired leave the list; their exit record lives on in the logs/audit.
    const before = this.workers.length;
    this.workers = this.workers.filter((w) => !(w.state === 'stopped' && w.retiring));
    if (before !== this.workers.length) this.emitChange();
  }

  private emitChange(): void {
    this.changed.emit(this);
  }
}
