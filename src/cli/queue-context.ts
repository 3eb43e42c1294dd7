// The CLI's inputs (--config, --redis, --connection) to the engine's one-shot queue session: which
// file, which Redis (the one order of core/config/redis-choice.ts), which connections. The session
// itself is composed in src/engine.ts, like everything else.
import * as os from 'node:os';
import { parseConfigText } from '../core/config/parse-config';
import { withRedis } from '../core/config/redis-choice';
import { NoConnectionError, openQueueSession, type QueueSession } from '../engine';
import { cliRedis, loadConfigFile } from './cli-context';
import { ActionFailed, UsageError } from './cli-types';

export type QueueContext = QueueSession;

export async function withQueues<T>(values: { redis?: string; config?: string; connection?: string }, fn: (ctx: QueueContext) => Promise<T>): Promise<T> {
  const file = await loadConfigFile(values);
  // No chaperone.json: one connection with every system at its defaults.
  let config = withRedis(file ?? parseConfigText('{}', 'chaperone.json').config, cliRedis(values, file));
  if (values.connection) {
    const connections = config.connections.filter((c) => c.name === values.connection);
    if (connections.length === 0) throw new UsageError(`no connection "${values.connection}" in ${file?.file ?? 'the configuration'}`);
    config = { ...config, connections };
  }
  let session: QueueSession;
  try {
    session = await openQueueSession(config, `cli:${os.userInfo().username}@${os.hostname()}`);
  } catch (err) {
    if (err instanceof NoConnectionError) throw new ActionFailed(err.message);
    throw err;
  }
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
