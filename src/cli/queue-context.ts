// Builds the QueueService the queue commands use: connections from chaperone.json (or the default
// one from --redis / CHAPERONE_REDIS_URL), each connected with its own credentials.
import * as os from 'node:os';
import type Redis from 'ioredis';
import { parseConfigText } from '../core/config/parse-config';
import type { ChaperoneConfig, ConnectionConfig } from '../core/config/types';
import { RedisAuditSink } from '../node/audit-stream';
import { ControlKeys } from '../node/control-keys';
import { connectProfileAndWait } from '../node/redis-connection';
import { isCluster, type RedisClient } from '../queues/redis-client';
import { QueueService, type ConnectionHandle } from '../queues/queue-service';
import { createAdapters } from '../queues/registry';
import { cliRedis, loadConfigFile } from './cli-context';
import { withRedis } from '../core/config/redis-choice';
import { ActionFailed, UsageError } from './cli-types';

export interface QueueContext {
  service: QueueService;
  /** The default connection's client (control plane, audit), if it could be reached. */
  control: Redis | undefined;
  keyPrefix: string;
  /** Connections that could not be reached, with the reason. */
  unreachable: string[];
  /** chaperone.json, when one was found. */
  config: ChaperoneConfig | undefined;
}

export async function withQueues<T>(values: { redis?: string; config?: string; connection?: string }, fn: (ctx: QueueContext) => Promise<T>): Promise<T> {
  const config = await loadConfigFile(values);
  const redis = cliRedis(values, config);
  // No chaperone.json: one connection with every system at its defaults.
  let connections: ConnectionConfig[] = withRedis(config ?? parseConfigText('{}', 'chaperone.json').config, redis).connections;
  const keyPrefix = redis.keyPrefix;
  if (values.connection) {
    connections = connections.filter((c) => c.name === values.connection);
    if (connections.length === 0) throw new UsageError(`no connection "${values.connection}" in ${config?.file ?? 'the configuration'}`);
  }
  const unreachable: string[] = [];
  const handles: ConnectionHandle[] = [];
  const clients: RedisClient[] = [];
  await Promise.all(
    connections.map(async (c) => {
      try {
        const redis = await connectProfileAndWait(c, `chaperone-cli:${c.name}`);
        clients.push(redis);
        handles.push({ config: c, redis, adapters: createAdapters(c, redis) });
      } catch (err) {
        unreachable.push(`${c.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
  if (handles.length === 0) throw new ActionFailed(unreachable.join('\n'));
  handles.sort((a, b) => connections.indexOf(a.config) - connections.indexOf(b.config));
  // The default connection is always one server (redis.url): the control plane and audit live there.
  const first = handles.find((h) => h.config.name === 'default')?.redis;
  const control = first && !isCluster(first) ? first : undefined;
  const actor = `cli:${os.userInfo().username}@${os.hostname()}`;
  const audit = control ? new RedisAuditSink(control, new ControlKeys(keyPrefix).audit(), actor) : { record: () => undefined, flush: async () => undefined };
  const service = new QueueService(handles, audit, actor);
  try {
    return await fn({ service, control, keyPrefix, unreachable, config });
  } finally {
    await audit.flush();
    await service.close();
    clients.forEach((c) => c.disconnect());
  }
}
