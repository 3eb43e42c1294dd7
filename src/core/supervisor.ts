// The supervisor: owns the pools, samples worker usage in one batched call per tick, enforces
// limits, executes commands (from anywhere) and records every action in the audit log.
import { auditedArgs, type CommandResult, type ResultData, type SupervisorCommand } from './commands';
import type { ChaperoneConfig } from './config/types';
import { Emitter } from './emitter';
import { parseHandover, type SupervisorHandover } from './handover';
import type { AuditSink, CancelTimer, HandedProcess, Handover, QueueLoadSource, UsageSampler } from './ports';
import { decideScale, type QueueLoad } from './scaler';
import { quotaCap, tenantOfPool } from './signals/tenants';
import { ActionError, Pool, type DrainReport } from './pool';
import type { PoolSnapshot, SupervisorSnapshot } from './snapshot';
import { formatBytes, formatDuration } from './units';
import type { LogLine, Worker, WorkerDeps } from './worker';
import type { DebugLaunch } from './debug-launch';
import type { QueueRedirect } from './debug-queues';

export interface SupervisorDeps extends WorkerDeps {
  sampler: UsageSampler;
  audit: AuditSink;
  /** Counts of the queues autoscaled pools serve; absent when no pool autoscales. */
  queueLoad?: QueueLoadSource;
}

/** What each verb's handler gets: how to build, audit and announce its result. */
interface Execution {
  result(ok: boolean, message: string, data?: ResultData, status?: CommandResult['status']): CommandResult;
  audited(r: CommandResult): CommandResult;
  wait: boolean;
  onAccepted: ((r: CommandResult) => void) | undefined;
  onProgress: ((r: CommandResult) => void) | undefined;
}

export interface SupervisorIdentity {
  id: string;
  host: string;
  pid: number;
  version: string;
}

export class Supervisor {
  /** Pools or workers changed: their state, count, pids, restarts (what a successor takes over). */
  readonly changed = new Emitter<void>();
  /** The workers' usage was sampled (CPU, memory): what views show moved on, what a successor needs did not. */
  readonly sampled = new Emitter<void>();
  readonly logged = new Emitter<{ pool: string; line: LogLine }>();
  readonly pools = new Map<string, Pool>();
  readonly startedAt: number;
  private tickTimer: CancelTimer | undefined;
  /** Queues a drain paused, per pool: starting the pool resumes exactly these. */
  private readonly pausedByDrain = new Map<string, string[]>();
  private sampling = false;
  private running = false;

  constructor(
    readonly identity: SupervisorIdentity,
    readonly config: ChaperoneConfig,
    private readonly deps: SupervisorDeps,
  ) {
    this.startedAt = deps.clock.now();
    for (const pc of config.pools) {
      const pool = new Pool(pc, deps, config.supervisor.logLines, { CHAPERONE_SUPERVISOR_ID: identity.id });
      pool.changed.on(() => this.changed.emit());
      pool.logged.on((line) => this.logged.emit({ pool: pc.name, line }));
      this.pools.set(pc.name, pool);
    }
  }

  /**
   * Starts the pools. With a handover (an earlier supervisor of this config left its workers with
   * the spawner), its workers are taken over and each pool carries on with its count, stopped state
   * and pin; pools it did not know start as configured; workers of pools no longer configured stop.
   */
  start(handover?: Handover): void {
    if (this.running) return;
    this.running = true;
    const kept = handover ? parseHandover(handover.state) : undefined;
    for (const [pool, queues] of Object.entries(kept?.pausedByDrain ?? {})) if (this.pools.has(pool)) this.pausedByDrain.set(pool, queues);
    const byPool = new Map<string, HandedProcess[]>();
    for (const p of handover?.processes ?? []) byPool.set(p.pool, [...(byPool.get(p.pool) ?? []), p]);
    for (const p of this.pools.values()) {
      const procs = byPool.get(p.name) ?? [];
      const st = kept?.pools.find((x) => x.name === p.name);
      if (procs.length || st) p.adopt(procs, st);
      else if (p.config.autostart) p.start();
    }
    const adopted = handover?.processes.filter((p) => this.pools.has(p.pool)).length ?? 0;
    if (handover && (adopted || kept)) {
      const waited = handover.waited ? ` ${formatDuration(handover.waited.ms)} after it left (they were kept for up to ${formatDuration(handover.waited.graceMs)}, supervisor.handoverGrace)` : '';
      this.deps.logger.info(`took over ${adopted} worker(s) from the previous supervisor of this config${waited}`);
      this.deps.audit.record({ at: this.deps.clock.now(), actor: 'supervisor', verb: 'adopt', target: '*', outcome: 'ok', detail: `${adopted} worker(s) taken over` });
    }
    for (const [name, procs] of byPool) if (!this.pools.has(name)) for (const proc of procs) this.stopForeign(proc);
    this.scheduleTick();
  }

  /** What the next supervisor of this config needs to carry on (kept with the spawner). */
  handoverState(): SupervisorHandover {
    return { v: 1, pools: [...this.pools.values()].map((p) => p.handover()), pausedByDrain: Object.fromEntries(this.pausedByDrain) };
  }

  /** A handed-over worker of a pool that chaperone.json no longer has: SIGTERM, SIGKILL after 30 s. */
  private stopForeign(proc: HandedProcess): void {
    const { runner, clock, logger } = this.deps;
    let gone = false;
    runner.attach(proc.pid, { onOutput: () => undefined, onExit: () => (gone = true), onOrphaned: () => undefined });
    logger.warn(`${proc.workerId} (pid ${proc.pid}) belongs to pool "${proc.pool}", which chaperone.json no longer has: stopping it`);
    void runner.signalGroup(proc.pid, 'SIGTERM');
    clock.setTimer(30_000, () => !gone && void runner.signalGroup(proc.pid, 'SIGKILL'));
  }

  /**
   * Starts one worker of `pool` under a debugger (its command rewritten by debugLaunch). Local only:
   * it is no verb of the control plane, so nothing from Redis can start one. Audited.
   */
  startDebugWorker(poolName: string, launch: DebugLaunch, actor: string, queues: readonly QueueRedirect[] = []): Worker {
    const pool = this.pools.get(poolName);
    if (!pool) throw new ActionError(`no pool "${poolName}" (pools: ${[...this.pools.keys()].join(', ') || 'none'})`);
    const w = pool.startDebugWorker(launch, queues);
    const reads = queues.length ? `; reads ${queues.map((q) => `${q.to} for ${q.from}`).join(', ')}` : '';
    this.deps.audit.record({ at: this.deps.clock.now(), actor, verb: 'debug-worker', target: `${poolName}/${w.id}`, args: { runtime: launch.runtime, port: launch.port }, outcome: 'ok', detail: `${launch.runtime} debugger on 127.0.0.1:${launch.port}${reads}` });
    return w;
  }

  /** Stops a debug worker (its debug session ended). Audited. */
  async stopDebugWorker(poolName: string, id: string, actor: string): Promise<void> {
    const w = this.pools.get(poolName)?.debugWorkers.find((x) => x.id === id);
    if (!w) return;
    const pool = this.pools.get(poolName) as Pool;
    await w.stop({ signal: pool.config.stop.signal, timeoutMs: pool.config.stop.timeoutMs, reason: 'its debug session ended' });
    this.deps.audit.record({ at: this.deps.clock.now(), actor, verb: 'stop-debug-worker', target: `${poolName}/${id}`, outcome: 'ok', detail: 'its debug session ended' });
  }

  /** Stops ticking without touching a worker: they are handed over to the next supervisor. */
  detach(): void {
    this.running = false;
    if (this.tickTimer) this.tickTimer();
    this.tickTimer = undefined;
  }

  /** Drains every pool (SIGINT/SIGTERM of `supervise`, editor shutdown). */
  async shutdown(timeoutMs?: number): Promise<DrainReport[]> {
    this.running = false;
    if (this.tickTimer) this.tickTimer();
    this.tickTimer = undefined;
    const reports = await Promise.all([...this.pools.values()].map((p) => p.drain(timeoutMs ?? p.config.stop.timeoutMs, 'stopping')));
    this.deps.audit.record({ at: this.deps.clock.now(), actor: 'supervisor', verb: 'shutdown', target: '*', outcome: 'ok', detail: summarizeDrains(reports) });
    return reports;
  }

  snapshot(): Omit<SupervisorSnapshot, 'controlPlane'> {
    const now = this.deps.clock.now();
    return {
      ...this.identity,
      startedAt: this.startedAt,
      lastSeen: now,
      configFile: this.config.file,
      pools: [...this.pools.values()].map((p): PoolSnapshot => p.snapshot()),
    };
  }

  /**
   * Runs a command and returns its result. `onAccepted` is called for long actions when the caller
   * does not want to wait (drain without --wait): the action goes on and is still audited when done.
   */
  async execute(cmd: SupervisorCommand, wait = true, onAccepted?: (r: CommandResult) => void, onProgress?: (r: CommandResult) => void): Promise<CommandResult> {
    const now = this.deps.clock.now();
    const x: Execution = {
      result: (ok, message, data, status) => ({
        id: cmd.id, supervisor: this.identity.id, ok, status: status ?? (ok ? 'ok' : 'error'), message, at: this.deps.clock.now(), ...(data === undefined ? {} : { data }),
      }),
      // Every command goes to the audit log, read-only ones (logs) included.
      audited: (r) => {
        const { target, args } = auditedArgs(cmd);
        this.deps.audit.record({ at: r.at, actor: cmd.actor, verb: cmd.verb, target, args, outcome: r.status === 'progress' ? 'accepted' : r.status, detail: r.message });
        return r;
      },
      wait, onAccepted, onProgress,
    };
    if (now > cmd.deadline) return x.audited(x.result(false, `command expired ${now - cmd.deadline}ms before it was read`));
    const pool = this.pools.get(cmd.pool);
    if (!pool) return x.audited(x.result(false, `no pool "${cmd.pool}" on supervisor ${this.identity.id} (pools: ${[...this.pools.keys()].join(', ') || 'none'})`));
    try {
      switch (cmd.verb) {
        case 'start': return await this.onStart(cmd, pool, x);
        case 'scale': return this.onScale(cmd, pool, x);
        case 'drain': return await this.onDrainOrStop(cmd, pool, x);
        case 'stop': return await (cmd.worker ? this.onStopWorker(cmd, cmd.worker, pool, x) : this.onDrainOrStop(cmd, pool, x));
        case 'restart': return await this.onRestart(pool, x);
        case 'logs': return this.onLogs(cmd, pool, x);
      }
    } catch (err) {
      const message = err instanceof ActionError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
      return x.audited(x.result(false, message));
    }
  }

  private async onStart(cmd: SupervisorCommand & { verb: 'start' }, pool: Pool, x: Execution): Promise<CommandResult> {
    const resumed = await this.resumeAfterDrain(pool.name, cmd.actor);
    const started = pool.start();
    const also = resumed.length ? `; resumed ${resumed.join(', ')}` : '';
    const message = started ? `pool ${pool.name} started with ${pool.desired} worker(s)` : `pool ${pool.name} is already running (${pool.desired} worker(s))`;
    return x.audited(x.result(true, message + also, { kind: 'started', workers: pool.desired }));
  }

  private onScale(cmd: SupervisorCommand & { verb: 'scale' }, pool: Pool, x: Execution): CommandResult {
    const { from, to, pinnedUntil } = pool.scale(cmd.count);
    const pinned = pinnedUntil === undefined ? '' : `; the autoscaler holds off for ${formatDuration(pinnedUntil - this.deps.clock.now())} (scale.pin), then owns the count again`;
    return x.audited(x.result(true, `pool ${pool.name} scaled from ${from} to ${to}${pinned}`, { kind: 'scaled', from, to, ...(pinnedUntil === undefined ? {} : { pinnedUntil }) }));
  }

  /** One worker, never the whole pool: the pool is one smaller afterwards. */
  private async onStopWorker(cmd: SupervisorCommand & { verb: 'stop' }, worker: string, pool: Pool, x: Execution): Promise<CommandResult> {
    const r = await pool.stopWorker(worker, cmd.timeoutMs ?? pool.config.stop.timeoutMs);
    const how = r.killed ? 'killed at the stop timeout' : 'stopped';
    return x.audited(x.result(true, `worker ${r.workerId} of pool ${pool.name} ${how} after ${r.durationMs}ms; pool ${pool.name} now wants ${pool.desired}`, { kind: 'worker-stopped', ...r }));
  }

  private async onDrainOrStop(cmd: SupervisorCommand & { verb: 'drain' | 'stop' }, pool: Pool, x: Execution): Promise<CommandResult> {
    // The system's own semantics first: a paused queue gives no worker anywhere new jobs.
    const paused = cmd.verb === 'drain' ? await this.pauseForDrain(pool.name, cmd.actor) : [];
    const busy = pool.activeWorkers().length;
    const running = pool.drain(cmd.timeoutMs ?? pool.config.stop.timeoutMs, cmd.verb === 'drain' ? 'draining' : 'stopping');
    const pausedNote = paused.length ? ` (paused ${paused.join(', ')} first)` : '';
    if (!x.wait) x.onAccepted?.(x.audited(x.result(true, `${cmd.verb} of pool ${pool.name} started: ${busy} worker(s) signalled${pausedNote}`, { kind: 'accepted', workers: busy }, 'accepted')));
    const stopProgress = x.onProgress ? this.reportDrainProgress(cmd, pool.name, x.onProgress) : undefined;
    const report = await running;
    stopProgress?.();
    return x.audited(x.result(true, describeDrain(report) + pausedNote, { kind: 'drained', ...report, pausedQueues: paused }));
  }

  private async onRestart(pool: Pool, x: Execution): Promise<CommandResult> {
    const { replaced } = await pool.restart();
    return x.audited(x.result(true, `pool ${pool.name}: rolling restart replaced ${replaced} worker(s)`, { kind: 'restarted', replaced }));
  }

  private onLogs(cmd: SupervisorCommand & { verb: 'logs' }, pool: Pool, x: Execution): CommandResult {
    const lines = Math.min(Math.max(cmd.lines ?? 100, 1), 10_000);
    const workers = cmd.worker ? [pool.findWorker(cmd.worker)] : pool.workers;
    if (cmd.worker && !workers[0]) return x.audited(x.result(false, `no worker "${cmd.worker}" in pool ${pool.name} (workers: ${pool.workers.map((w) => w.id).join(', ') || 'none'})`));
    const all = workers.flatMap((w) => (w ? w.logs.tail(lines) : [])).sort((a, b) => a.at - b.at).slice(-lines);
    // The lines themselves stay out of the audit log: only that they were read, and by whom.
    x.audited(x.result(true, `${all.length} line(s)`));
    return x.result(true, `${all.length} line(s)`, { kind: 'logs', lines: all });
  }

  private async pauseForDrain(poolName: string, actor: string): Promise<string[]> {
    const pool = this.pools.get(poolName);
    const bridge = this.deps.queueLoad;
    if (!pool?.config.drain.pauseQueues || !bridge) return [];
    const paused: string[] = [];
    for (const q of pool.config.queues) {
      const r = await bridge.pause(q);
      this.deps.audit.record({ at: this.deps.clock.now(), actor, verb: 'pause', target: q, args: { for: `drain of ${poolName}` }, outcome: r.ok ? 'ok' : 'error', detail: r.message });
      if (r.ok) paused.push(q);
    }
    this.pausedByDrain.set(poolName, [...(this.pausedByDrain.get(poolName) ?? []), ...paused]);
    return paused;
  }

  private async resumeAfterDrain(poolName: string, actor: string): Promise<string[]> {
    const queues = this.pausedByDrain.get(poolName) ?? [];
    const bridge = this.deps.queueLoad;
    if (!queues.length || !bridge) return [];
    this.pausedByDrain.delete(poolName);
    const resumed: string[] = [];
    for (const q of queues) {
      const r = await bridge.resume(q);
      this.deps.audit.record({ at: this.deps.clock.now(), actor, verb: 'resume', target: q, args: { for: `start of ${poolName}` }, outcome: r.ok ? 'ok' : 'error', detail: r.message });
      if (r.ok) resumed.push(q);
    }
    return resumed;
  }

  /** While a drain runs: about once a second, the workers still running and the jobs in flight. */
  private reportDrainProgress(cmd: SupervisorCommand, poolName: string, onProgress: (r: CommandResult) => void): () => void {
    let stopped = false;
    let cancel: CancelTimer | undefined;
    const pool = this.pools.get(poolName);
    const beat = (): void => {
      cancel = this.deps.clock.setTimer(1000, () => {
        if (stopped || !pool) return;
        const left = pool.workers.filter((w) => w.state !== 'stopped');
        const queues = pool.config.queues;
        const loaded = queues.length && this.deps.queueLoad ? this.deps.queueLoad.load(queues, this.deps.clock.now()) : Promise.resolve(undefined);
        void loaded
          .catch(() => undefined)
          .then((load) => {
            if (stopped) return;
            const inFlight = load ? queues.reduce((n, q) => n + (load.get(q)?.active ?? 0), 0) : undefined;
            const jobs = inFlight === undefined ? '' : `; ${inFlight} job(s) active on ${queues.join(', ')}`;
            onProgress({
              id: cmd.id, supervisor: this.identity.id, ok: true, status: 'progress', at: this.deps.clock.now(),
              message: `pool ${poolName}: ${left.length} worker(s) still running (${left.map((w) => w.id).join(', ') || 'none'})${jobs}`,
              data: { kind: 'progress', workers: left.map((w) => w.id), inFlight: inFlight ?? null },
            });
            beat();
          });
      });
    };
    beat();
    return () => {
      stopped = true;
      cancel?.();
    };
  }

  /** One tick: usage of every pid in one sampler call, the limit checks, then the scaler. */
  async tick(): Promise<void> {
    if (this.sampling) return; // a slow sample must not pile up
    this.sampling = true;
    try {
      await this.sampleUsage();
      await this.autoscale();
    } finally {
      this.sampling = false;
    }
  }

  /** Feeds the real counts of their queues to the scaler of every autoscaled pool. */
  async autoscale(): Promise<void> {
    const pools = [...this.pools.values()].filter((p) => p.autoscaling);
    if (pools.length === 0 || !this.deps.queueLoad) return;
    const now = this.deps.clock.now();
    let load: Awaited<ReturnType<QueueLoadSource['load']>>;
    try {
      load = await this.deps.queueLoad.load([...new Set(pools.flatMap((p) => p.config.queues))], now);
    } catch (err) {
      this.deps.logger.warn(`autoscale: cannot read queue counts: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const pool of pools) {
      const known = pool.config.queues.map((q) => load.get(q)).filter((x): x is QueueLoad => !!x);
      if (known.length === 0) continue; // no counts: never scale on a guess
      const runtimes = known.map((k) => k.runtimeMs).filter((r): r is number => r !== null);
      const total: QueueLoad = {
        pending: known.reduce((s, k) => s + k.pending, 0),
        active: known.reduce((s, k) => s + k.active, 0),
        runtimeMs: runtimes.length ? Math.max(...runtimes) : null,
      };
      // A tenant quota caps what this pool may run, given the tenant's other pools.
      const cap = quotaCap(pool.name, (p) => this.poolTenant(p), (p) => this.pools.get(p)?.desired ?? 0, [...this.pools.keys()], this.config.tenants);
      const max = cap === undefined ? pool.config.max : Math.max(pool.config.min, Math.min(pool.config.max, cap));
      const d = decideScale(pool.config.scale, { desired: pool.desired, min: pool.config.min, max, lastChangeAt: pool.lastScaleAt }, total, now);
      if (cap !== undefined && d.desired === max && max < pool.config.max && d.changed) d.reason += ` (tenant ${this.poolTenant(pool.name)} quota: ${this.config.tenants.quotas[this.poolTenant(pool.name) ?? '']?.maxWorkers} workers)`;
      if (d.changed && pool.autoscale(d.desired)) {
        this.deps.logger.info(`pool ${pool.name}: autoscale ${d.reason}`);
        this.deps.audit.record({ at: now, actor: 'supervisor', verb: 'autoscale', target: pool.name, args: { to: d.desired }, outcome: 'ok', detail: d.reason });
      }
    }
  }

  private poolTenant(name: string): string | undefined {
    const cfg = this.pools.get(name)?.config;
    return cfg ? tenantOfPool(cfg, this.config.tenants) : undefined;
  }

  private async sampleUsage(): Promise<void> {
    try {
      const workers = [...this.pools.values()].flatMap((p) => p.workers.map((w) => ({ p, w }))).filter(({ w }) => w.pid !== null);
      if (workers.length === 0) return;
      const usage = await this.deps.sampler.sample(workers.map(({ w }) => w.pid as number));
      for (const { p, w } of workers) {
        const u = w.pid === null ? undefined : usage.get(w.pid);
        if (!u) continue;
        w.cpu = u.cpu;
        w.memoryBytes = u.memoryBytes;
        const { memoryBytes: memLimit, cpuPercent: cpuLimit, samples } = p.config.limits;
        w.overLimit.memory = memLimit !== undefined && u.memoryBytes > memLimit ? w.overLimit.memory + 1 : 0;
        w.overLimit.cpu = cpuLimit !== undefined && u.cpu > cpuLimit ? w.overLimit.cpu + 1 : 0;
        if (w.state !== 'running' || w.retiring) continue;
        let reason: string | undefined;
        if (memLimit !== undefined && w.overLimit.memory >= samples) reason = `memory ${formatBytes(u.memoryBytes)} over the limit ${formatBytes(memLimit)} for ${samples} samples`;
        else if (cpuLimit !== undefined && w.overLimit.cpu >= samples) reason = `CPU ${u.cpu.toFixed(0)}% over the limit ${cpuLimit}% for ${samples} samples`;
        if (reason) {
          this.deps.logger.warn(`${w.id}: ${reason}; graceful restart`);
          this.deps.audit.record({ at: this.deps.clock.now(), actor: 'supervisor', verb: 'limit-restart', target: `${p.name}/${w.id}`, outcome: 'ok', detail: reason });
          p.replaceInBackground(w, reason);
        }
      }
      this.sampled.emit();
    } catch (err) {
      this.deps.logger.warn(`usage sampling failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private scheduleTick(): void {
    if (!this.running) return;
    this.tickTimer = this.deps.clock.setTimer(this.config.supervisor.sampleIntervalMs, () => {
      void this.tick().finally(() => this.scheduleTick());
    });
  }
}

export function describeDrain(r: DrainReport): string {
  const killed = r.killedAtTimeout.map((k) => `${k.workerId} (pid ${k.pid})`).join(', ');
  return `pool ${r.pool}: ${r.finished.length} worker(s) finished in ${r.durationMs}ms` +
    (r.killedAtTimeout.length ? `; still busy at the timeout and killed: ${killed}` : '; none left busy');
}

function summarizeDrains(reports: DrainReport[]): string {
  return reports.map(describeDrain).join('; ');
}
