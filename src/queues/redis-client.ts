// The Redis client a queue adapter works with: one server (or a Sentinel-managed master), or a Redis
// Cluster. The few places where a Cluster must be treated differently go through these helpers:
// SCAN runs on every master, multi-queue scripts and pipelines are grouped by the node that owns
// their keys, and scripts that read several queues (several hash slots) declare that they may.
import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export const SCAN_COUNT = 1000;

export function isCluster(c: RedisClient): c is Cluster {
  return 'isCluster' in c && c.isCluster === true;
}

/** SCAN (never KEYS) with a large COUNT; on a Cluster, on every master. */
export async function scanAll(client: RedisClient, pattern: string, limit = 100_000): Promise<string[]> {
  const nodes: Redis[] = isCluster(client) ? client.nodes('master') : [client];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      out.push(...keys);
      cursor = next;
    } while (cursor !== '0' && out.length < limit);
  }
  return out;
}

/**
 * Items grouped by the node that holds their key (one group on a single server), so that a script
 * or pipeline per group touches one node only.
 */
export function groupByNode<T>(client: RedisClient, items: readonly T[], keyOf: (item: T) => string): T[][] {
  if (!isCluster(client)) return items.length ? [[...items]] : [];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const node = client.slots[calculateSlot(keyOf(item))]?.[0] ?? '?';
    let g = groups.get(node);
    if (!g) groups.set(node, (g = []));
    g.push(item);
  }
  return [...groups.values()];
}

export type PipelineResult = [Error | null, unknown];

/**
 * Queues one or more commands per item with `add`, one pipeline per node (a single pipeline on one
 * server), all sent at once; the results come back in the order of `items`, one per command.
 */
export async function pipelineByNode<T>(
  client: RedisClient,
  items: readonly T[],
  keyOf: (item: T) => string,
  add: (pipe: ReturnType<RedisClient['pipeline']>, item: T) => void,
): Promise<PipelineResult[][]> {
  const groups = groupByNode(client, items.map((item, index) => ({ item, index })), (x) => keyOf(x.item));
  const out: PipelineResult[][] = new Array(items.length);
  await Promise.all(
    groups.map(async (group) => {
      const pipe = client.pipeline();
      const sizes = group.map(({ item }) => {
        const before = pipe.length;
        add(pipe, item);
        return pipe.length - before;
      });
      const res = ((await pipe.exec()) ?? []) as PipelineResult[];
      let at = 0;
      group.forEach(({ index }, i) => {
        out[index] = res.slice(at, at + sizes[i]);
        at += sizes[i];
      });
    }),
  );
  return out;
}

/** A new connection like this one (a server's or a Cluster's), for a user that must not share it. */
export function duplicateClient(c: RedisClient): RedisClient {
  const copy: RedisClient = isCluster(c) ? c.duplicate() : c.duplicate();
  copy.on('error', () => undefined); // its user reports the failures of its own commands
  return copy;
}
