// Which adapters exist, and how one is built for a connection. Adding a system = one line here.
import type { RedisClient } from './redis-client';
import type { ConnectionConfig } from '../core/config/types';
import { BullmqAdapter } from './bullmq/bullmq-adapter';
import { LaravelAdapter } from './laravel/laravel-adapter';
import { CeleryAdapter } from './celery/celery-adapter';
import { isCluster } from './redis-client';
import { RqAdapter } from './rq/rq-adapter';
import { SidekiqAdapter } from './sidekiq/sidekiq-adapter';
import type { QueueAdapter, SystemName } from './contract';
import { readOnlyGate } from './read-only-gate';

type Factory = (conn: ConnectionConfig, redis: RedisClient) => QueueAdapter | undefined;

const FACTORIES: Partial<Record<SystemName, Factory>> = {
  bullmq: (conn, redis) => (conn.systems.bullmq ? new BullmqAdapter(conn.name, redis, { prefix: conn.systems.bullmq.prefix }) : undefined),
  laravel: (conn, redis) => {
    const l = conn.systems.laravel;
    return l ? new LaravelAdapter(conn.name, redis, { prefix: l.prefix, queueConnection: l.connection, cache: l.cache, horizonPrefix: l.horizon.prefix }) : undefined;
  },
  sidekiq: (conn, redis) => (conn.systems.sidekiq ? new SidekiqAdapter(conn.name, redis, { namespace: conn.systems.sidekiq.namespace }) : undefined),
  rq: (conn, redis) => (conn.systems.rq ? new RqAdapter(conn.name, redis, { prefix: conn.systems.rq.prefix }) : undefined),
  // kombu's Redis transport has no Cluster support: Celery is not looked for on a Cluster.
  celery: (conn, redis) => (conn.systems.celery && !isCluster(redis) ? new CeleryAdapter(conn.name, redis, { prefix: conn.systems.celery.prefix, queues: conn.systems.celery.queues }) : undefined),
};

/** The adapters of one connection; a read-only connection's are built behind the one read-only gate. */
export function createAdapters(conn: ConnectionConfig, redis: RedisClient): QueueAdapter[] {
  return Object.values(FACTORIES).flatMap((make) => {
    const a = make?.(conn, redis);
    if (!a) return [];
    return [conn.readOnly ? readOnlyGate(a) : a];
  });
}
