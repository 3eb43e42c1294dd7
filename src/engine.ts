// Composition root: builds the core services on real ports. The CLI and the editor drive this
// one object; nothing else constructs supervisors, runners or connections.
import * as os from 'node:os';
import * as path from 'node:path';
import { auditLine, sanitizeAudit } from './core/audit-text';
import { withRedis } from './core/config/redis-choice';
import type { ChaperoneConfig } from './core/config/types';
import type { Disposable } from './core/emitter';
import type { AuditEntry, AuditSink, Logger } from './core/ports';
import { alerting, type Finding } from './core/signals/findings';
import type { Signals } from './core/signals/signals-engine';
import type { SupervisorSnapshot } from './core/snapshot';
import type { LogLine } from './core/worker';
import { Supervisor } from './core/supervisor';
import { RedisControlPlane } from './node/control-plane';
import { ControlClient, type SeenSupervisor } from './node/control-client';
import { PoolActions } from './node/pool-actions';
import type Redis from 'ioredis';
import { connectProfileAndWait, connectRedis, type CredentialSource } from './node/redis-connection';
import { RedisAuditSink } from './node/audit-stream';
import { ControlKeys } from './node/control-keys';
import { createAdapters } from './queues/registry';
import { isCluster } from './queues/redis-client';
import type { Observation } from './core/signals/observations';
import { SpawnerClient } from './node/spawner/spawner-client';
import { systemClock } from './node/system-clock';
import { AdapterQueueLoad } from './queues/queue-load';
import { SignalsEngine } from './core/signals/signals-engine';
import { HostSampler } from './node/host-sampler';
import { openConnection, openConnections } from './node/queue-connections';
import { QueueObserver } from './node/signals/observe-queues';
import { PrometheusExporter } from './node/signals/prometheus';
import { RedisHistory } from './node/signals/redis-history';
import { SignalsSampler, poolObservations, supervisedConsumers } from './node/signals/signals-sampler';
import { Notifier, type NotifySender } from './core/notify/notifier';
import { NetworkNotifySender } from './node/notify/notify-sender';
import { RedisNotifyMemory } from './node/notify/notify-memory';
import { startPoolWatchers } from './node/pool-watchers';
import { checkMarkText, type Mark } from './core/mark';
import { debugLaunch, type DebugRuntime } from './core/debug-launch';
import { redirectQueues, type QueueRedirect } from './core/debug-queues';
import { QueueService, type ConnectionHandle } from './queues/queue-service';

export const VERSION = '0.1.0';

export interface EngineOptions {
  config: ChaperoneConfig;
  logger: Logger;
  /** The Redis chooseRedis() chose, when it is not config.redis.url (core/config/redis-choice.ts). */
  redisUrl?: string;
  /** Passwords from elsewhere than the environment (the editor's SecretStorage). */
  credentials?: CredentialSource;
  /** false: supervise without the Redis control plane (tests of the supervisor alone). */
  controlPlane?: boolean;
  /** The bundled spawner (dist/spawner.js); defaults to the file beside this bundle. */
  spawnerPath?: string;
  supervisorId?: string;
  /** Run the signals sampler (trends, thresholds, findings) at this interval; off when absent. */
  signals?: { intervalMs: number; metrics?: { host: string; port: number } };
  /** Tell config.notify's channels of findings (the headless supervisor; needs signals). A test may give its own sender. */
  notify?: boolean | NotifySender;
  /** Who queue actions are audited as (the editor: "vscode:user@host"). */
  actor?: string;
  /** false: the audit trail does not go to the logger (the caller has a sink of its own). Default true. */
  auditToLog?: boolean;
  /** Where the spawner's socket and the runtime state file live (default: runtimeDir()). */
  runtimeDir?: string;
}

/**
 * The CLI and the editor drive this one object: its read model (what every view, the status bar,
 * the dashboard and the CLI show) and its two ways to act (poolActions, queues). Its parts stay
 * visible for the tests that exercise them directly; product code goes through the facade.
 */
export class Engine {
  /** @internal the parts: tests reach them; callers use the read model below. */
  readonly supervisor: Supervisor;
  /** @internal */
  readonly runner: SpawnerClient;
  /** @internal */
  readonly controlPlane: RedisControlPlane | undefined;
  /** The one way to act on a pool: this engine's own, or another supervisor's through Redis. */
  readonly poolActions: PoolActions;
  private readonly audits: AuditSink[] = [];
  /** One handle (one client, one adapter set) per connection: the default one when pools serve queues, every one with signals. */
  private readonly connections: ConnectionHandle[] = [];
  /** Trends, thresholds and findings (when opts.signals is given). */
  readonly signals: SignalsSampler | undefined;
  readonly signalsEngine: SignalsEngine | undefined;
  /** Every configured connection's queues (when opts.signals is given): the views and actions use it. */
  readonly queues: QueueService | undefined;
  private readonly observer: QueueObserver | undefined;
  private readonly exporter: PrometheusExporter | undefined;
  private readonly notifier: Notifier | undefined;
  private watchers: { close(): Promise<void> } | undefined;
  /** The last day's marks, read every MARKS_EVERY_MS while the signals run (the dashboard draws them). */
  private markList: readonly Mark[] = [];
  private marksReadAt = 0;
  private historyRedis: Redis | undefined;

  /** The configuration it runs (with the Redis chooseRedis() chose). */
  readonly config: ChaperoneConfig;

  constructor(private readonly opts: EngineOptions) {
    const config = opts.redisUrl ? withRedis(opts.config, { url: opts.redisUrl, keyPrefix: opts.config.redis.keyPrefix }) : opts.config;
    this.config = config;
    const { logger, credentials } = opts;
    this.runner = new SpawnerClient({
      spawnerPath: opts.spawnerPath ?? path.join(__dirname, 'spawner.js'), logger, configFile: config.file,
      graceMs: config.supervisor.handoverGraceMs, ...(opts.runtimeDir ? { runtimeDir: opts.runtimeDir } : {}),
    });
    const id = opts.supervisorId ?? config.supervisor.id ?? `${os.hostname()}-${process.pid}`;
    const actor = opts.actor ?? `supervisor:${id}`;
    // One gate for every sink: text from outside is escaped and bounded before anyone writes it.
    const audit: AuditSink = { record: (e: AuditEntry) => { const clean = sanitizeAudit(e); this.audits.forEach((a) => a.record(clean)); } };
    const defaultConnection = config.connections[0];
    // Pools that serve queues get the bridge to them: autoscaling, drain with the system's semantics.
    // The signals count the same queues through the same handle (one adapter set, one cache).
    const servesQueues = config.pools.some((p) => p.queues.length > 0);
    const defaultHandle = servesQueues || opts.signals ? openConnection(defaultConnection, `chaperone:${id}`, logger, credentials) : undefined;
    if (defaultHandle) this.connections.push(defaultHandle);
    // The editor writes the audit to its own channel (auditToLog: false), so each line appears once.
    if (opts.auditToLog !== false) this.audits.push({ record: (e) => logger.info(auditLine(e)) });
    this.supervisor = new Supervisor(
      { id, host: os.hostname(), pid: process.pid, version: VERSION },
      config,
      {
        runner: this.runner, clock: systemClock, random: Math.random, logger, sampler: this.runner, audit,
        ...(servesQueues && defaultHandle ? { queueLoad: new AdapterQueueLoad(defaultHandle.adapters) } : {}),
      },
    );
    this.poolActions = new PoolActions({ own: this.supervisor, client: () => this.controlClient(), actor });
    if (opts.controlPlane !== false) {
      this.controlPlane = new RedisControlPlane(this.supervisor, config.redis.url, config.redis.keyPrefix, config.supervisor.heartbeatMs, logger, credentials);
      this.audits.push(this.controlPlane);
    }
    if (opts.signals) {
      const all = openConnections(config.connections, `chaperone:${id}`, logger, defaultHandle, credentials);
      this.connections.splice(0, this.connections.length, ...all);
      const service = new QueueService(all, audit, actor);
      this.queues = service;
      const pools = () => poolObservations(this.supervisor.snapshot().pools);
      const engine = new SignalsEngine(config.thresholds, config.tenants, config.signals, config.pools);
      this.signalsEngine = engine;
      let history: RedisHistory | undefined;
      if (config.signals.history.redis) {
        this.historyRedis = connectRedis(defaultConnection.url, { name: `chaperone:${id}:history`, logger, connection: 'default', ...(credentials ? { credentials } : {}) });
        this.historyRedis.connect().catch(() => undefined);
        history = new RedisHistory(this.historyRedis, config.redis.keyPrefix, id, config.signals.history.retentionMs);
      }
      if (opts.signals.metrics) this.exporter = new PrometheusExporter();
      if (opts.notify && config.notify.length) {
        const sender = opts.notify === true ? new NetworkNotifySender() : opts.notify;
        const memory = this.controlPlane ? new RedisNotifyMemory(() => this.controlPlane?.redis, config.redis.keyPrefix, config.file) : undefined;
        this.notifier = new Notifier(config.notify, { clock: systemClock, sender, logger, origin: `${id}@${os.hostname()}`, ...(memory ? { memory } : {}) });
      }
      const exporter = this.exporter;
      const observer = new QueueObserver(service, () => supervisedConsumers(pools()), config.tenants.payloadField);
      this.observer = observer;
      this.signals = new SignalsSampler({
        engine, clock: systemClock, logger, pools, host: new HostSampler(),
        queues: observer,
        afterTick: async (now) => {
          const s = this.signals;
          // Told as the status bar shows them: a built-in rule only once sustained (see alerting()).
          if (s) this.notifier?.update(alerting(s.findings, now));
          if (now - this.marksReadAt >= MARKS_EVERY_MS) await this.readMarks(now);
          if (exporter && s?.lastSignals) exporter.update(s.lastSignals, s.findings, s.lastTickMs);
          await history?.afterTick(engine, now).catch((err: unknown) => logger.warn(`history: ${err instanceof Error ? err.message : String(err)}`));
        },
      });
    }
  }

  // ---- the read model ----

  /** This engine's supervisor id (its pools' address on the control plane). */
  get id(): string {
    return this.supervisor.identity.id;
  }

  /** This supervisor as every other editor and CLI sees it. */
  snapshot(): SupervisorSnapshot {
    return this.controlPlane?.snapshot() ?? this.supervisor.snapshot();
  }

  /** Workers running now (not starting, stopping or backing off). */
  runningWorkers(): number {
    let n = 0;
    for (const p of this.supervisor.pools.values()) n += p.workers.filter((w) => w.state === 'running').length;
    return n;
  }

  /** A configured pool's count and bounds, for the quick fixes and the scale prompt. */
  poolSize(name: string): { desired: number; min: number; max: number } | undefined {
    const p = this.supervisor.pools.get(name);
    return p ? { desired: p.desired, min: p.config.min, max: p.config.max } : undefined;
  }

  /** The last tick's figures (undefined before the first tick, or without signals). */
  lastSignals(): Signals | undefined {
    return this.signals?.lastSignals;
  }

  findings(): Finding[] {
    return this.signals?.findings ?? [];
  }

  /** A series' stored points, for the dashboard's charts. */
  history(series: string, from: number, to: number, maxPoints: number): ReturnType<SignalsEngine['history']> | undefined {
    return this.signalsEngine?.history(series, from, to, maxPoints);
  }

  /** Puts saved points back into a series (the editor's history store, after a reload). */
  restoreHistory(series: string, points: readonly { t: number; v: number }[]): void {
    this.signalsEngine?.restore(series, points);
  }

  /** A tick now (Refresh, Check Thresholds): its findings. */
  async tickNow(): Promise<Finding[]> {
    return this.signals ? this.signals.tick() : [];
  }

  /** How often the signals sample (the editor: 1 Hz while a view is visible). */
  setSampleInterval(ms: number): void {
    this.signals?.setInterval(ms);
  }

  get redisConnected(): boolean {
    return !!this.controlPlane?.connected;
  }

  /** Pools or workers changed, or their usage was sampled: what the views show. */
  onPoolsChanged(fn: () => void): Disposable {
    const subs = [this.supervisor.changed.on(fn), this.supervisor.sampled.on(fn)];
    return { dispose: () => subs.forEach((d) => d.dispose()) };
  }

  onTick(fn: (t: { at: number; findings: Finding[] }) => void): Disposable {
    return this.signals?.ticked.on(fn) ?? { dispose: () => undefined };
  }

  onLogLine(fn: (e: { pool: string; line: LogLine }) => void): Disposable {
    return this.supervisor.logged.on(fn);
  }

  /** One worker of a pool under a debugger on 127.0.0.1:port (see core/debug-launch.ts). */
  startDebugWorker(pool: string, runtime: DebugRuntime, port: number): { id: string; queues: QueueRedirect[] } {
    const p = this.supervisor.pools.get(pool);
    if (!p) throw new Error(`no pool "${pool}"`);
    // Its own queues where the pool's command names them, so that a job replayed into them reaches it alone.
    const r = redirectQueues(p.config.command, p.config.env, p.config.queues);
    const launch = debugLaunch(r.command, runtime, port, 'python3', p.config.env);
    const env = { ...r.env, ...launch.env, ...(r.redirects.length ? { CHAPERONE_DEBUG_QUEUES: r.redirects.map((q) => q.to).join(',') } : {}) };
    const w = this.supervisor.startDebugWorker(pool, { ...launch, env }, this.opts.actor ?? `supervisor:${this.id}`, r.redirects);
    return { id: w.id, queues: r.redirects };
  }

  stopDebugWorker(pool: string, id: string): Promise<void> {
    return this.supervisor.stopDebugWorker(pool, id, this.opts.actor ?? `supervisor:${this.id}`);
  }

  /** The last day's deploy marks (oldest first), as last read. */
  marks(): readonly Mark[] {
    return this.markList;
  }

  /** Records a mark now (audited) and reads the list again. */
  async addMark(raw: string): Promise<Mark> {
    const checked = checkMarkText(raw);
    if ('error' in checked) throw new Error(checked.error);
    // Right after a start or a reload the control plane may still be connecting: wait a little for it.
    const redis = this.controlPlane?.redis;
    if (redis && redis.status !== 'ready') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        redis.once('ready', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const client = this.controlClient();
    if (!client || this.controlPlane?.redis?.status !== 'ready') throw new Error('marks live in the control plane\'s Redis, which is not connected');
    const mark: Mark = { at: Date.now(), text: checked.text, actor: this.opts.actor ?? `supervisor:${this.id}` };
    await client.marks.add(mark, this.id);
    await this.readMarks(Date.now());
    return mark;
  }

  private async readMarks(now: number): Promise<void> {
    this.marksReadAt = now;
    const client = this.controlClient();
    if (!client) return;
    this.markList = await client.marks.list(now - 86_400_000, now + 3_600_000).catch((err: unknown) => {
      this.opts.logger.warn(`marks: ${err instanceof Error ? err.message : String(err)}`);
      return this.markList;
    });
  }

  /** Every other live supervisor seen in Redis (empty while Redis is away). */
  async otherSupervisors(): Promise<SeenSupervisor[]> {
    const client = this.controlClient();
    if (!client) return [];
    return (await client.supervisors()).filter((s) => s.id !== this.id && s.snapshot);
  }

  /** The second Ctrl-C: SIGKILL to every worker's process group, at once. */
  killAll(): void {
    for (const pool of this.supervisor.pools.values()) for (const w of pool.workers) if (w.pid !== null) void this.runner.signalGroup(w.pid, 'SIGKILL');
  }

  /** Where the Prometheus metrics are served, once started. */
  metricsAddress: { host: string; port: number } | undefined;

  /** More places for the audit trail (the editor's output channel, tests). */
  addAuditSink(sink: AuditSink): void {
    this.audits.push(sink);
  }

  /** The systems' registered workers as the signals last read them (every 10 s); empty without signals. */
  registeredWorkers(): ReturnType<QueueObserver['registered']> {
    return this.observer?.registered() ?? [];
  }

  /** Why some queues are missing from the last tick ("default/bullmq: ECONNREFUSED"). */
  queueErrors(): string[] {
    return this.observer ? [...this.observer.errors.entries()].map(([where, e]) => `${where}: ${e}`) : [];
  }

  /** Reads other supervisors' snapshots and sends them commands, over the control plane's connection. */
  controlClient(): ControlClient | undefined {
    const redis = this.controlPlane?.redis;
    return redis ? new ControlClient(redis, this.config.redis.keyPrefix, this.opts.actor) : undefined;
  }

  async start(): Promise<void> {
    // Before any pool starts: take over what an earlier supervisor of this config left with its
    // spawner, or stop what it left running without one (never two sets of workers).
    const handover = this.config.pools.length ? await this.runner.connect() : undefined;
    await this.controlPlane?.start();
    this.supervisor.start(handover);
    if (this.config.pools.some((p) => p.watch)) this.watchers = startPoolWatchers(this.config, this.supervisor, this.opts.logger);
    if (handover) {
      const keep = (): void => this.runner.keep(this.supervisor.handoverState());
      this.supervisor.changed.on(keep);
      keep();
    }
    const m = this.opts.signals?.metrics;
    if (this.exporter && m) this.metricsAddress = await this.exporter.listen(m.host, m.port);
    if (this.opts.signals) this.signals?.start(this.opts.signals.intervalMs);
  }

  /**
   * Leaves without stopping the workers: the spawner keeps them (and this supervisor's state) for
   * its grace period, for the next supervisor of this config (the editor's window reload).
   */
  async detach(): Promise<void> {
    this.signals?.stop();
    await this.watchers?.close();
    this.supervisor.detach();
    this.runner.keep(this.supervisor.handoverState());
    await this.runner.detach();
    await this.closeConnections();
  }

  /** Drains every pool, then closes the control plane and the spawner. */
  async shutdown(timeoutMs?: number): Promise<void> {
    this.signals?.stop();
    this.notifier?.dispose();
    await this.watchers?.close();
    const reports = await this.supervisor.shutdown(timeoutMs);
    for (const r of reports) {
      if (r.killedAtTimeout.length) this.opts.logger.warn(`pool ${r.pool}: killed at the timeout: ${r.killedAtTimeout.map((k) => k.workerId).join(', ')}`);
    }
    await this.closeConnections();
    await this.runner.close();
  }

  private async closeConnections(): Promise<void> {
    await this.exporter?.close();
    await this.controlPlane?.stop();
    await Promise.all(this.connections.flatMap((c) => c.adapters.map((a) => a.close())));
    for (const c of this.connections) c.redis.disconnect();
    this.historyRedis?.disconnect();
  }
}

// ---- one-shot sessions: the CLI's queue and signals commands, built here like the engine ----

const MARKS_EVERY_MS = 15_000;

export interface QueueSession {
  service: QueueService;
  /** The default connection's client (control plane, audit, history), when it is one server and reachable. */
  control: Redis | undefined;
  keyPrefix: string;
  /** Connections that could not be reached, with the reason. */
  unreachable: string[];
  config: ChaperoneConfig;
  /** The signals engine and what feeds it (check, trends): built on first use. */
  signals(): { engine: SignalsEngine; observer: SessionObserver };
  close(): Promise<void>;
}

export class NoConnectionError extends Error {}

/**
 * Every connection of `config`, each connected once (no background retries: a one-shot command
 * answers now), with the audit trail in the default Redis. Throws NoConnectionError when none answers.
 */
export async function openQueueSession(config: ChaperoneConfig, actor: string): Promise<QueueSession> {
  const unreachable: string[] = [];
  const handles: ConnectionHandle[] = [];
  await Promise.all(
    config.connections.map(async (c) => {
      try {
        const redis = await connectProfileAndWait(c, `chaperone-cli:${c.name}`);
        handles.push({ config: c, redis, adapters: createAdapters(c, redis) });
      } catch (err) {
        unreachable.push(`${c.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
  if (handles.length === 0) throw new NoConnectionError(unreachable.join('\n'));
  handles.sort((a, b) => config.connections.indexOf(a.config) - config.connections.indexOf(b.config));
  // The default connection is always one server (redis.url): the control plane and audit live there.
  const first = handles.find((h) => h.config.name === 'default')?.redis;
  const control = first && !isCluster(first) ? first : undefined;
  const keyPrefix = config.redis.keyPrefix;
  const audit = control ? new RedisAuditSink(control, new ControlKeys(keyPrefix).audit(), actor) : { record: () => undefined, flush: async () => undefined };
  const service = new QueueService(handles, audit, actor);
  let signals: { engine: SignalsEngine; observer: SessionObserver } | undefined;
  return {
    service, control, keyPrefix, unreachable, config,
    signals: () => (signals ??= {
      engine: new SignalsEngine(config.thresholds, config.tenants, config.signals, config.pools),
      observer: new SessionObserver(service, control ? new ControlClient(control, keyPrefix) : undefined, config),
    }),
    close: async () => {
      await audit.flush();
      await signals?.observer.close();
      await service.close();
      handles.forEach((h) => h.redis.disconnect());
    },
  };
}

/** A one-shot observation: every configured queue, the pools of every supervisor seen in Redis, this host. */
export class SessionObserver {
  private readonly host = new HostSampler();
  private readonly queues: QueueObserver;
  private pools: ReturnType<typeof poolObservations> = [];

  constructor(
    service: QueueService,
    private readonly client: ControlClient | undefined,
    config: ChaperoneConfig,
  ) {
    this.queues = new QueueObserver(service, () => supervisedConsumers(this.pools), config.tenants.payloadField);
  }

  /** Host CPU needs two readings: the first call primes it. */
  async prime(): Promise<void> {
    await this.host.sample();
  }

  async observe(now: number): Promise<Observation> {
    const seen = this.client ? await this.client.supervisors() : [];
    // Pools of the same name on several supervisors are one pool here, their workers side by side.
    const byName = new Map<string, Parameters<typeof poolObservations>[0][number]>();
    for (const s of seen) {
      for (const p of s.snapshot?.pools ?? []) {
        const prev = byName.get(p.name);
        const workers = p.workers.map((w) => ({ ...w, id: seen.length > 1 ? `${s.id}/${w.id}` : w.id }));
        byName.set(p.name, prev ? { ...prev, workers: [...prev.workers, ...workers] } : { ...p, workers });
      }
    }
    this.pools = poolObservations([...byName.values()]);
    const [{ queues, flows }, host] = await Promise.all([this.queues.observe(now), this.host.sample(now)]);
    return { queues, flows, pools: this.pools, host };
  }

  errors(): string[] {
    return [...this.queues.errors.entries()].map(([where, e]) => `${where}: ${e}`);
  }

  close(): Promise<void> {
    return this.host.close();
  }
}
