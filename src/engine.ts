// Composition root: builds the core services on real ports. The CLI and the editor drive this
// one object; nothing else constructs supervisors, runners or connections.
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChaperoneConfig } from './core/config/types';
import type { AuditEntry, AuditSink, Logger } from './core/ports';
import { Supervisor } from './core/supervisor';
import { RedisControlPlane } from './node/control-plane';
import type Redis from 'ioredis';
import { connectRedis } from './node/redis-connection';
import { SpawnerClient } from './node/spawner/spawner-client';
import { systemClock } from './node/system-clock';
import type { QueueAdapter } from './queues/contract';
import { AdapterQueueLoad } from './queues/queue-load';
import { createAdapters } from './queues/registry';

export const VERSION = '0.1.0';

export interface EngineOptions {
  config: ChaperoneConfig;
  logger: Logger;
  /** Overrides config.redis.url. */
  redisUrl?: string;
  /** false: supervise without the Redis control plane (tests of the supervisor alone). */
  controlPlane?: boolean;
  /** The bundled spawner (dist/spawner.js); defaults to the file beside this bundle. */
  spawnerPath?: string;
  supervisorId?: string;
}

export class Engine {
  readonly supervisor: Supervisor;
  readonly runner: SpawnerClient;
  readonly controlPlane: RedisControlPlane | undefined;
  private readonly audits: AuditSink[] = [];
  /** The queue connection, opened only when some pool serves queues. */
  private queueRedis: Redis | undefined;
  private queueAdapters: QueueAdapter[] = [];

  constructor(private readonly opts: EngineOptions) {
    const { config, logger } = opts;
    this.runner = new SpawnerClient(opts.spawnerPath ?? path.join(__dirname, 'spawner.js'), logger);
    const id = opts.supervisorId ?? config.supervisor.id ?? `${os.hostname()}-${process.pid}`;
    const audit: AuditSink = { record: (e: AuditEntry) => this.audits.forEach((a) => a.record(e)) };
    const defaultConnection = { ...config.connections[0], url: opts.redisUrl ?? config.connections[0].url };
    // Pools that serve queues get the bridge to them: autoscaling, drain with the system's semantics.
    if (config.pools.some((p) => p.queues.length > 0)) {
      this.queueRedis = connectRedis(defaultConnection.url, { name: `chaperone:${id}:queues`, logger, connection: 'default' });
      this.queueRedis.connect().catch(() => undefined); // retried in the background; scaling waits for counts
      this.queueAdapters = createAdapters(defaultConnection, this.queueRedis);
    }
    this.audits.push({ record: (e) => logger.info(`audit: ${e.actor} ${e.verb} ${e.target} -> ${e.outcome}${e.detail ? `: ${e.detail}` : ''}`) });
    this.supervisor = new Supervisor(
      { id, host: os.hostname(), pid: process.pid, version: VERSION },
      config,
      {
        runner: this.runner, clock: systemClock, random: Math.random, logger, sampler: this.runner, audit,
        ...(this.queueAdapters.length ? { queueLoad: new AdapterQueueLoad(this.queueAdapters) } : {}),
      },
    );
    if (opts.controlPlane !== false) {
      this.controlPlane = new RedisControlPlane(this.supervisor, opts.redisUrl ?? config.redis.url, config.redis.keyPrefix, config.supervisor.heartbeatMs, logger);
      this.audits.push(this.controlPlane);
    }
  }

  /** More places for the audit trail (the editor's output channel, tests). */
  addAuditSink(sink: AuditSink): void {
    this.audits.push(sink);
  }

  async start(): Promise<void> {
    await this.controlPlane?.start();
    this.supervisor.start();
  }

  /** Drains every pool, then closes the control plane and the spawner. */
  async shutdown(timeoutMs?: number): Promise<void> {
    const reports = await this.supervisor.shutdown(timeoutMs);
    for (const r of reports) {
      if (r.killedAtTimeout.length) this.opts.logger.warn(`pool ${r.pool}: killed at the timeout: ${r.killedAtTimeout.map((k) => k.workerId).join(', ')}`);
    }
    await this.controlPlane?.stop();
    await Promise.all(this.queueAdapters.map((a) => a.close()));
    this.queueRedis?.disconnect();
    await this.runner.close();
  }
}
