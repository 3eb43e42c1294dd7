// One supervised process and its life: starting -> running (after minUptime) -> stopping -> stopped,
// exited -> backoff -> starting, fatal. Restart decisions come from the pure restart policy.
import { Emitter } from './emitter';
import type { Clock, CancelTimer, Logger, OutputStream, ProcessRunner, ProcessSpec, Random } from './ports';
import { decideRestart, describeExit, INITIAL_RESTART_STATE, type RestartPolicy, type RestartState } from './restart-policy';
import { RingBuffer } from './ring-buffer';
import type { DebugMark, ExitRecord, WorkerSnapshot, WorkerState } from './snapshot';

export interface WorkerDeps {
  runner: ProcessRunner;
  clock: Clock;
  random: Random;
  logger: Logger;
}

export interface LogLine {
  at: number;
  worker: string;
  pid: number;
  stream: OutputStream;
  text: string;
}

export interface StopOptions {
  signal: string;
  timeoutMs: number;
  reason: string;
}

export interface StopResult {
  workerId: string;
  pid: number | null;
  /** True when the worker did not exit within the timeout and its group was SIGKILLed. */
  killed: boolean;
  durationMs: number;
}

const MAX_PARTIAL_LINE = 16 * 1024;
const STDERR_TAIL_LINES = 20;
const ORPHAN_POLL_MS = 200;

export class Worker {
  readonly changed = new Emitter<Worker>();
  readonly logged = new Emitter<LogLine>();
  readonly logs: RingBuffer<LogLine>;

  state: WorkerState = 'stopped';
  pid: number | null = null;
  restarts = 0;
  lastExit: ExitRecord | null = null;
  fatalReason: string | undefined;
  cpu: number | null = null;
  memoryBytes: number | null = null;
  /** Consecutive usage samples over a limit (the supervisor counts, this just stores). */
  overLimit = { memory: 0, cpu: 0 };
  /** A retiring worker is on its way out (replaced, scaled down, drained): its exit is never restarted. */
  retiring = false;
  orphaned = false;

  private startedAt = 0;
  private restartState: RestartState = INITIAL_RESTART_STATE;
  private generation = 0;
  private timer: CancelTimer | undefined;
  private killTimer: CancelTimer | undefined;
  private nextStartAt: number | undefined;
  private stderrTail = new RingBuffer<string>(STDERR_TAIL_LINES);
  private partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  private stopping: { opts: StopOptions; since: number; killed: boolean; waiters: ((r: StopResult) => void)[] } | undefined;
  private settleWaiters: ((s: WorkerState) => void)[] = [];
  private pendingExitReason: string | undefined;
  /** A debug worker (and the queues it reads instead of the pool's): when it exits it stays stopped (the debug session decides, not the policy). */
  debug: DebugMark | undefined;

  constructor(
    readonly id: string,
    readonly poolName: string,
    private readonly spec: ProcessSpec,
    private readonly policy: RestartPolicy,
    private readonly deps: WorkerDeps,
    logLines: number,
  ) {
    this.logs = new RingBuffer<LogLine>(logLines);
  }

  get uptimeMs(): number {
    return this.pid !== null && (this.state === 'running' || this.state === 'starting' || this.state === 'stopping')
      ? this.deps.clock.now() - this.startedAt
      : 0;
  }

  /** Alive in the sense of "occupies a slot of the pool". */
  get active(): boolean {
    return !this.retiring && this.state !== 'stopped';
  }

  start(): void {
    if (this.state !== 'stopped' && this.state !== 'fatal') return;
    this.fatalReason = undefined;
    this.restartState = INITIAL_RESTART_STATE;
    this.spawn();
  }

  /** Recover from fatal (or cut a backoff short): the budget starts over. */
  restartNow(): void {
    const d = decideRestart(this.policy, this.restartState, { type: 'manual-restart' }, this.deps.clock.now());
    this.restartState = d.state;
    if (this.state === 'fatal' || this.state === 'backoff' || this.state === 'stopped') {
      this.cancelTimer();
      this.fatalReason = undefined;
      this.spawn();
    }
  }

  /** Resolves when the worker is running, fatal or stopped. */
  whenSettled(): Promise<WorkerState> {
    if (this.state === 'running' || this.state === 'fatal' || this.state === 'stopped') return Promise.resolve(this.state);
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  stop(opts: StopOptions): Promise<StopResult> {
    this.retiring = true;
    const now = this.deps.clock.now();
    if (this.stopping) return new Promise((resolve) => this.stopping?.waiters.push(resolve));
    if (this.state === 'stopped' || this.state === 'fatal' || this.state === 'backoff' || this.state === 'exited') {
      this.cancelTimer();
      this.setState('stopped');
      return Promise.resolve({ workerId: this.id, pid: this.pid, killed: false, durationMs: 0 });
    }
    return new Promise((resolve) => {
      this.stopping = { opts, since: now, killed: false, waiters: [resolve] };
      this.cancelTimer();
      this.setState('stopping');
      if (this.pid !== null) this.sendStop();
      // else: the spawn is still in flight; sendStop() runs once the pid is known.
    });
  }

  snapshot(): WorkerSnapshot {
    const snap: WorkerSnapshot = {
      id: this.id,
      pid: this.pid,
      state: this.state,
      restarts: this.restarts,
      uptimeMs: this.uptimeMs,
      cpu: this.cpu,
      memoryBytes: this.memoryBytes,
      lastExit: this.lastExit,
    };
    if (this.fatalReason) snap.fatalReason = this.fatalReason;
    if (this.debug) snap.debug = { queues: this.debug.queues.map((q) => ({ ...q })) };
    if (this.state === 'backoff' && this.nextStartAt !== undefined) snap.nextStartInMs = Math.max(0, this.nextStartAt - this.deps.clock.now());
    return snap;
  }

  /** Set by the supervisor right before it stops this worker for a limit, so the exit says why. */
  noteExitReason(reason: string): void {
    this.pendingExitReason = reason;
  }

  /**
   * Takes over a process an earlier supervisor started (handed over by the spawner): no spawn; its
   * output and exit come through the runner from now on. It is running once it has been up minUptime.
   */
  adopt(pid: number, startedAt: number, restarts: number): void {
    const gen = ++this.generation;
    this.pid = pid;
    this.startedAt = startedAt;
    this.restarts = restarts;
    this.orphaned = false;
    const left = this.policy.minUptimeMs - (this.deps.clock.now() - startedAt);
    // State first: the runner may replay an exit that happened during the handover right away.
    if (left <= 0) this.setState('running');
    else {
      this.setState('starting');
      this.timer = this.deps.clock.setTimer(left, () => {
        this.timer = undefined;
        if (this.state === 'starting') this.setState('running');
      });
    }
    const current = (): boolean => gen === this.generation;
    this.deps.runner.attach(pid, {
      onOutput: (stream, text) => current() && this.onOutput(stream, text),
      onExit: (code, signal) => current() && this.onExit(code, signal),
      onOrphaned: () => current() && this.onOrphaned(),
    });
  }

  private spawn(): void {
    const gen = ++this.generation;
    this.pid = null;
    this.cpu = null;
    this.memoryBytes = null;
    this.overLimit = { memory: 0, cpu: 0 };
    this.orphaned = false;
    this.stderrTail = new RingBuffer<string>(STDERR_TAIL_LINES);
    this.partial = { stdout: '', stderr: '' };
    this.startedAt = this.deps.clock.now();
    this.setState('starting');
    const current = (): boolean => gen === this.generation;
    this.deps.runner
      .start(this.spec, {
        onOutput: (stream, text) => current() && this.onOutput(stream, text),
        onExit: (code, signal) => current() && this.onExit(code, signal),
        onOrphaned: () => current() && this.onOrphaned(),
      })
      .then(
        (r) => {
          if (!current()) return;
          if ('failure' in r) this.onSpawnFailure(r.failure.code, r.failure.message);
          else this.onStarted(r.pid);
        },
        (err: unknown) => current() && this.onSpawnFailure('ESPAWNER', err instanceof Error ? err.message : String(err)),
      );
  }

  private onStarted(pid: number): void {
    this.pid = pid;
    this.startedAt = this.deps.clock.now();
    if (this.state === 'stopping') {
      this.sendStop();
      return;
    }
    this.changed.emit(this);
    this.timer = this.deps.clock.setTimer(this.policy.minUptimeMs, () => {
      this.timer = undefined;
      if (this.state === 'starting') this.setState('running');
    });
  }

  private onSpawnFailure(code: string, message: string): void {
    const now = this.deps.clock.now();
    this.lastExit = { at: now, code: null, signal: null, uptimeMs: 0, reason: `cannot start: ${message}`, stderrTail: [] };
    if (this.stopping) {
      this.finishStop(null);
      return;
    }
    const d = decideRestart(this.policy, this.restartState, { type: 'spawn-failure', code, message }, now);
    this.restartState = d.state;
    if (d.action === 'fatal') {
      this.fatalReason = d.reason;
      this.deps.logger.error(`${this.id}: ${d.reason}`);
      this.setState('fatal');
    }
  }

  private onOutput(stream: OutputStream, text: string): void {
    let buf = this.partial[stream] + text;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      this.pushLine(stream, buf.slice(0, nl).replace(/\r$/, ''));
      buf = buf.slice(nl + 1);
    }
    if (buf.length > MAX_PARTIAL_LINE) {
      this.pushLine(stream, buf);
      buf = '';
    }
    this.partial[stream] = buf;
  }

  private pushLine(stream: OutputStream, text: string): void {
    const line: LogLine = { at: this.deps.clock.now(), worker: this.id, pid: this.pid ?? 0, stream, text };
    this.logs.push(line);
    if (stream === 'stderr') this.stderrTail.push(text);
    this.logged.emit(line);
  }

  private flushPartials(): void {
    for (const s of ['stdout', 'stderr'] as const) if (this.partial[s]) this.pushLine(s, this.partial[s]);
    this.partial = { stdout: '', stderr: '' };
  }

  private onOrphaned(): void {
    // The spawner died: this process may live on, but we no longer hear its exit. Poll its group.
    if (this.orphaned || this.pid === null) return;
    this.orphaned = true;
    this.deps.logger.warn(`${this.id}: lost the spawner; watching pid ${this.pid} directly`);
    const gen = this.generation;
    const poll = (): void => {
      if (gen !== this.generation || this.pid === null) return;
      void this.deps.runner.isGroupAlive(this.pid).then((alive) => {
        if (gen !== this.generation) return;
        if (alive) this.deps.clock.setTimer(ORPHAN_POLL_MS, poll);
        else this.onExit(null, null);
      });
    };
    poll();
    this.changed.emit(this);
  }

  private onExit(code: number | null, signal: string | null): void {
    const now = this.deps.clock.now();
    this.cancelTimer();
    this.flushPartials();
    const exitedPid = this.pid;
    const reason = this.stopping
      ? this.stopping.killed
        ? `killed after the ${Math.round(this.stopping.opts.timeoutMs / 1000)}s stop timeout (${this.stopping.opts.reason})`
        : this.stopping.opts.reason
      : this.pendingExitReason;
    this.pendingExitReason = undefined;
    this.lastExit = { at: now, code, signal, uptimeMs: Math.max(0, now - this.startedAt), stderrTail: this.stderrTail.tail(), ...(reason ? { reason } : {}) };
    // Whatever the worker left behind in its process group dies with it: no orphans across crash loops.
    if (exitedPid !== null) void this.deps.runner.signalGroup(exitedPid, 'SIGKILL');
    this.generation++; // ignore anything late from this process
    this.pid = null;
    if (this.stopping || this.retiring || this.debug) {
      this.finishStop(exitedPid);
      return;
    }
    this.setState('exited');
    const d = decideRestart(this.policy, this.restartState, { type: 'exit', startedAt: this.startedAt, code, signal, random: this.deps.random() }, now);
    this.restartState = d.state;
    if (d.action === 'fatal') {
      this.fatalReason = d.reason;
      this.deps.logger.error(`${this.id}: fatal: ${d.reason}`);
      this.setState('fatal');
      return;
    }
    this.restarts++;
    this.deps.logger.warn(`${this.id}: exited ${describeExit(code, signal)} after ${this.lastExit.uptimeMs}ms; restarting in ${d.delayMs}ms`);
    this.nextStartAt = now + d.delayMs;
    this.setState('backoff');
    this.timer = this.deps.clock.setTimer(d.delayMs, () => {
      this.timer = undefined;
      if (this.state === 'backoff') this.spawn();
    });
  }

  private sendStop(): void {
    const st = this.stopping;
    if (!st || this.pid === null) return;
    const pid = this.pid;
    void this.deps.runner.signalGroup(pid, st.opts.signal);
    const remaining = Math.max(0, st.since + st.opts.timeoutMs - this.deps.clock.now());
    this.killTimer = this.deps.clock.setTimer(remaining, () => {
      this.killTimer = undefined;
      if (this.stopping !== st || this.pid !== pid) return;
      st.killed = true;
      this.deps.logger.warn(`${this.id}: did not stop within ${st.opts.timeoutMs}ms; SIGKILL to process group ${pid}`);
      void this.deps.runner.signalGroup(pid, 'SIGKILL');
    });
  }

  private finishStop(pid: number | null): void {
    const st = this.stopping;
    this.stopping = undefined;
    if (this.killTimer) this.killTimer();
    this.killTimer = undefined;
    const result: StopResult = {
      workerId: this.id,
      pid,
      killed: st?.killed ?? false,
      durationMs: st ? this.deps.clock.now() - st.since : 0,
    };
    this.setState('stopped');
    for (const w of st?.waiters ?? []) w(result);
  }

  private cancelTimer(): void {
    if (this.timer) this.timer();
    this.timer = undefined;
    this.nextStartAt = undefined;
  }

  private setState(s: WorkerState): void {
    this.state = s;
    if (s === 'running' || s === 'fatal' || s === 'stopped') {
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const w of waiters) w(s);
    }
    this.changed.emit(this);
  }
}
