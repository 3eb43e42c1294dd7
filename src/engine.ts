// Composition root: builds the core services on real ports. The CLI and the editor drive this
// one object; nothing else constructs supervisors, runners or connections.
import * as os from 'node:os';
import * as path from 'node:path';
import { auditLine, sanitizeAudit } from './core/audit-text';
import { withRedis } from './core/config/redis-choice';
import type { ChaperoneConfig } from './core/config/types';
import type { AuditEntry, AuditSink, Logger } from './core/ports';
import { Supervisor } from './core/supervisor';
import { RedisControlPlane } from './node/control-plane';
import { ControlClient } from './node/control-client';
import { PoolActions } from './node/pool-actions';
import type Redis from 'ioredis';
import { connectRedis, type CredentialSource } from './node/redis-connection';
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
  /** Who queue actions are audited as (the editor: "vscode:user@host"). */
  actor?: string;
  /** false: the audit trail does not go to the logger (the caller has a sink of its own). Default true. */
  auditToLog?: boolean;
  /** Where the spawner's socket and the runtime state file live (default: runtimeDir()). */
  runtimeDir?: string;
}

export class Engine {
  readonly supervisor: Supervisor;
  readonly runner: SpawnerClient;
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
  private historyRedis: Redis | undefined;

  private readonly config: ChaperoneConfig;

  constructor(private readonly opts: EngineOptions) {
    const config = opts.redisUrl ? withRedis(opts.config, { url: opts.redisUrl, keyPrefix: opts.config.redis.keyPrefix }) : opts.config;
    this.config = config;
    const { logger, credentials } = opts;
    this.runner = new SpawnerClient({
      spawnerPath: opts.spawnerPath ?? path.join(__dirname, 'spawner.js'), logger, configFile: config.file,
      graceMs: config.supervisor.handoverGraceMs, ...(opts.runtimeDir ? { runtimeDir: opts.runtimeDir } : {}),
    });
    const id = opts.supervisorId ?? config.supervisor.id ?? `${os.hostname()}-${process.pid}`;
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
    this.poolActions = new PoolActions({ own: this.supervisor, client: () => this.controlClient(), actor: opts.actor ?? `supervisor:${id}` });
    if (opts.controlPlane !== false) {
      this.controlPlane = new RedisControlPlane(this.supervisor, config.redis.url, config.redis.keyPrefix, config.supervisor.heartbeatMs, logger, credentials);
      this.audits.push(this.controlPlane);
    }
    if (opts.signals) {
      const all = openConnections(config.connections, `chaperone:${id}`, logger, defaultHandle, credentials);
      this.connections.splice(0, this.connections.length, ...all);
      const service = new QueueService(all, audit, opts.actor ?? `supervisor:${id}`);
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
      const exporter = this.exporter;
      const observer = new QueueObserver(service, () => supervisedConsumers(pools()), config.tenants.payloadField);
      this.observer = observer;
      this.signals = new SignalsSampler({
        engine, clock: systemClock, logger, pools, host: new HostSampler(),
        queues: observer,
        afterTick: async (now) => {
          const s = this.signals;
          if (exporter && s?.lastSignals) exporter.update(s.lastSignals, s.findings, s.lastTickMs);
          await history?.afterTick(engine, now).catch((err: unknown) => logger.warn(`history: ${err instanceof Error ? err.message : String(err)}`));
        },
      });
    }
  }

  /** Where the Prometheus metrics are served, once started. */
  metricsAddress: { host: string; port: number } | undefined;

  /** More places for the audit trail (the editor's output channel, tests). */
  addAuditSink(sink: AuditSink): void {
    this.audits.push(sink);
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
    this.supervisor.detach();
    this.runner.keep(this.supervisor.handoverState());
    await this.runner.detach();
    await this.closeConnections();
  }

  /** Drains every pool, then closes the control plane and the spawner. */
  async shutdown(timeoutMs?: number): Promise<void> {
    this.signals?.stop();
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
