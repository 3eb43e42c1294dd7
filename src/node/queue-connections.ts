// Long-lived connections to every configured Redis for the signals sampler (the CLI's one-shot
// commands use connectProfileAndWait instead): each reconnects in the background with bounded
// backoff, and a connection that is down only leaves its queues out of a tick.
import type { ConnectionConfig } from '../core/config/types';
import type { Logger } from '../core/ports';
import type { RedisClient } from '../queues/redis-client';
import type { ConnectionHandle } from '../queues/queue-service';
import { createAdapters } from '../queues/registry';
import { connectCluster, connectRedis, type CredentialSource } from './redis-connection';

export function openConnection(c: ConnectionConfig, name: string, logger: Logger, credentials?: CredentialSource): ConnectionHandle {
  const o = { name: `${name}:${c.name}`, logger, connection: c.name, ...(credentials ? { credentials } : {}) };
  const redis: RedisClient = c.cluster ? connectCluster(c.cluster, o) : connectRedis(c.url, { ...o, sentinel: c.sentinel });
  redis.connect().catch(() => undefined); // retried in the background; its queues are missing meanwhile
  return { config: c, redis, adapters: createAdapters(c, redis) };
}

/** Every connection, each with one adapter set; `reuse` is a handle already open (the default one). */
export function openConnections(connections: readonly ConnectionConfig[], name: string, logger: Logger, reuse?: ConnectionHandle, credentials?: CredentialSource): ConnectionHandle[] {
  return connections.map((c) => (reuse && reuse.config.name === c.name ? reuse : openConnection(c, name, logger, credentials)));
}
