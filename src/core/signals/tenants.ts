// Which tenant a queue or a pool belongs to: a connection (a Redis, prefix or database per tenant),
// a named group of a pattern on the queue id, or a payload field of sampled jobs, in that order.
import type { TenantsConfig } from '../config/signals-config';
import type { PoolConfig } from '../config/types';

/** The one tenant a whole queue belongs to (by connection or queue pattern); payload tenants split a queue (tenant-shares.ts). */
export function tenantOfQueue(q: { id: string; connection: string }, cfg: TenantsConfig): string | undefined {
  const byConnection = cfg.connections[q.connection];
  if (byConnection) return byConnection;
  const m = cfg.queuePattern?.exec(q.id);
  return m?.groups?.tenant;
}

/** A pool's tenant: tenants.pools, else the one tenant all its queues (on the default connection) belong to. */
export function tenantOfPool(pool: Pick<PoolConfig, 'name' | 'queues' | 'tenant'>, cfg: TenantsConfig, queueTenant?: (id: string) => string | undefined): string | undefined {
  if (pool.tenant) return pool.tenant;
  const found = new Set(pool.queues.map((id) => queueTenant?.(id) ?? tenantOfQueue({ id, connection: 'default' }, cfg)));
  if (found.size !== 1) return undefined;
  const [only] = found;
  return only;
}

/**
 * How many workers a pool may have under its tenant's quota, given what the tenant's other pools
 * run now; undefined when no quota applies.
 */
export function quotaCap(pool: string, tenantOf: (pool: string) => string | undefined, running: (pool: string) => number, pools: readonly string[], cfg: TenantsConfig): number | undefined {
  const tenant = tenantOf(pool);
  const quota = tenant === undefined ? undefined : cfg.quotas[tenant];
  if (!quota) return undefined;
  const others = pools.filter((p) => p !== pool && tenantOf(p) === tenant).reduce((a, p) => a + running(p), 0);
  return Math.max(0, quota.maxWorkers - others);
}
