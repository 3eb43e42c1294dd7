// ioredis connections as every part of Chaperone wants them: password and username from the
// environment (never from chaperone.json), commands fail fast while disconnected (no unbounded offline
// queue), reconnect with bounded exponential backoff, and errors never become unhandled.
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { envName } from '../core/config/parse-config';
import type { ClusterConfig, ConnectionConfig, SentinelConfig } from '../core/config/types';
import type { RedisClient } from '../queues/redis-client';
import type { Logger } from '../core/ports';

export interface ConnectOptions {
  name: string;
  logger?: Logger;
  /** For blocking readers: do not retry a request after a reconnect. */
  blocking?: boolean;
  /** A named connection of chaperone.json: credentials from CHAPERONE_REDIS_PASSWORD_<NAME>. */
  connection?: string;
  /** Find the master through these sentinels instead of the URL (which is then only for messages). */
  sentinel?: SentinelConfig;
  /** Passwords kept elsewhere than the environment (the editor's SecretStorage), asked first. */
  credentials?: CredentialSource;
}

/**
 * Where passwords come from besides the environment: the editor's SecretStorage, passed in as a port
 * (never through process.env, which workers inherit).
 */
export type CredentialSource = (connection: string) => { password?: string; username?: string } | undefined;

export function redisOptions(o: ConnectOptions): RedisOptions {
  const opts: RedisOptions = {
    connectionName: o.name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: o.blocking ? 0 : 1,
    connectTimeout: 3000,
    // Bounded backoff: 100ms, 200ms, ... up to 5s, forever (the supervisor outlives Redis outages).
    retryStrategy: (times: number) => Math.min(5000, 100 * 2 ** Math.min(times, 6)),
    reconnectOnError: () => false,
  };
  const suffix = o.connection && o.connection !== 'default' ? `_${envName(o.connection)}` : '';
  const stored = o.credentials?.(o.connection ?? 'default');
  const password = stored?.password ?? process.env[`CHAPERONE_REDIS_PASSWORD${suffix}`];
  const username = stored?.username ?? process.env[`CHAPERONE_REDIS_USERNAME${suffix}`];
  if (password) opts.password = password;
  if (username) opts.username = username;
  if (o.sentinel) {
    const s = o.sentinel;
    Object.assign(opts, { sentinels: s.sentinels, name: s.masterName, db: s.db, sentinelRetryStrategy: opts.retryStrategy });
    const sentinelPassword = process.env[`CHAPERONE_SENTINEL_PASSWORD${suffix}`];
    if (sentinelPassword) opts.sentinelPassword = sentinelPassword;
    if (s.tls) Object.assign(opts, { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true });
  }
  return opts;
}

/** Why each client is not connected (its last connection error), for messages that name the cause. */
const connectionErrors = new WeakMap<object, string>();

/**
 * A client's command failed because it is not connected ("Stream isn't writeable"): the message
 * the user needs is why it is not connected (NOAUTH, ECONNREFUSED, a TLS error).
 */
export function explainError(client: object, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = connectionErrors.get(client);
  return cause && /Stream isn't writeable|Connection is closed|enableOfflineQueue/i.test(message) ? `not connected: ${cause}` : message;
}

export function connectRedis(url: string, o: ConnectOptions): Redis {
  const redis = o.sentinel ? new Redis(redisOptions(o)) : new Redis(url, redisOptions(o));
  let lastError = '';
  redis.on('error', (err: Error) => {
    // ioredis emits one error per failed reconnect: log each distinct one once.
    if (err.message !== lastError) o.logger?.warn(`redis (${o.name}): ${err.message}`);
    lastError = err.message;
    connectionErrors.set(redis, err.message);
  });
  redis.on('ready', () => {
    lastError = '';
    connectionErrors.delete(redis);
  });
  return redis;
}

/** Connects and waits for "ready", or fails with a message that names the URL (without secrets). */
export async function connectAndWait(url: string, o: ConnectOptions, timeoutMs = 3000): Promise<Redis> {
  const redis = connectRedis(url, { ...o, logger: undefined });
  redis.options.retryStrategy = () => null; // a one-shot client gives up at once
  if (o.sentinel) redis.options.sentinelRetryStrategy = () => null;
  // The cause (a TLS or auth error) arrives as an 'error' event; connect() only says the connection closed.
  let cause = '';
  redis.on('error', (err: Error) => (cause ||= err.message));
  try {
    await withTimeout(redis.connect(), timeoutMs, `timed out after ${timeoutMs}ms`);
    return redis;
  } catch (err) {
    redis.disconnect();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${cause && cause !== message ? `${cause} (${message})` : message}`);
  }
}

/** A named connection of chaperone.json, whatever its kind (server, Sentinel, Cluster), ready to use. */
export async function connectProfileAndWait(c: ConnectionConfig, name: string, timeoutMs = 3000, credentials?: CredentialSource): Promise<RedisClient> {
  const o = { name, connection: c.name, ...(credentials ? { credentials } : {}) };
  if (!c.cluster) return connectAndWait(c.url, { ...o, sentinel: c.sentinel }, timeoutMs);
  const cluster = connectCluster(c.cluster, o);
  cluster.options.clusterRetryStrategy = () => null; // a one-shot client gives up at once
  try {
    await withTimeout(cluster.connect(), timeoutMs, `timed out after ${timeoutMs}ms`);
    return cluster;
  } catch (err) {
    cluster.disconnect();
    throw new Error(`cannot reach the Redis Cluster at ${redactUrl(c.url)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A Redis Cluster client: the same credentials and fail-fast rules as a single server's. */
export function connectCluster(c: ClusterConfig, o: ConnectOptions): Cluster {
  const base = redisOptions(o);
  const cluster = new Cluster(c.nodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRedirections: 8,
    slotsRefreshTimeout: 2000,
    clusterRetryStrategy: (times: number) => Math.min(5000, 100 * 2 ** Math.min(times, 6)),
    redisOptions: {
      connectionName: base.connectionName, password: base.password, username: base.username,
      connectTimeout: base.connectTimeout, maxRetriesPerRequest: base.maxRetriesPerRequest,
      ...(c.tls ? { tls: {} } : {}),
    },
  });
  cluster.on('error', (err: Error) => o.logger?.warn(`redis cluster (${o.name}): ${err.message}`));
  return cluster;
}

/**
 * Hides the user-info of a URL. A password may itself hold '@' (or '/'): everything up to the last
 * '@' of the URL is hidden, so no part of a secret is ever printed.
 */
export function redactUrl(url: string): string {
  const scheme = url.indexOf('//');
  const at = url.lastIndexOf('@');
  return scheme === -1 || at < scheme ? url : `${url.slice(0, scheme + 2)}***${url.slice(at)}`;
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(t));
}
