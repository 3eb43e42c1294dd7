// Long-lived connections to every configured Redis for the signals sampler (the CLI's one-shot
// commands use connectProfileAndWait instead): each reconnects in the background with bounded
// backoff, and a connection that is down only leaves its queues out of a tick.
import type { ConnectionConfig } from '../core/config/types';
import type { Logger } from '../core/ports';
import type { RedisClient } from '../queues/redis-client';
import type { ConnectionHandle } from '../queues/queue-service';
import { createAdapters } from '../queues/registry';
import { connectCluster, connectRedis } from './redis-connection';

export function openConnections(connections: readonly ConnectionConfig[], name: string, logger: Logger, reuse?: { config: ConnectionConfig; redis: RedisClient }): ConnectionHandle[] {
  return connections.map((c) => {
    if (reuse && reuse.config.name === c.name) return { config: c, redis: reuse.redis, adapters: createAdapters(c, reuse.redis) };
    const redis: RedisClient = c.cluster
      ? connectCluster(c.cluster, { name: `${name}:${c.name}`, logger, connection: c.name })
      : connectRedis(c.url, { name: `${name}:${c.name}`, logger, connection: c.name, sentinel: c.sentinel });
    redis.connect().catch(() => undefined); // retried in the background; its queues are missing meanwhile
    return { config: c, redis, adapters: createAdapters(c, redis) };
  });
}
