// Which Redis is "the" Redis (the control plane, the audit trail, the default connection's queues),
// decided here only, in one documented order for the CLI, `supervise` and the editor alike:
//   1. --redis URL (the CLI's flag)
//   2. CHAPERONE_REDIS_URL
//   3. chaperone.json's redis.url (not read from an untrusted workspace: the editor passes no file)
//   4. redis://127.0.0.1:6379
// The key prefix: --key-prefix, else chaperone.json's redis.keyPrefix, else "chaperone:".
import type { ChaperoneConfig } from './types';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_KEY_PREFIX = 'chaperone:';

export type RedisSource = 'flag' | 'env' | 'file' | 'default';

export interface RedisChoice {
  url: string;
  keyPrefix: string;
  from: RedisSource;
}

export interface RedisInputs {
  flag?: string | undefined;
  /** CHAPERONE_REDIS_URL, read by the caller (the core reads no environment). */
  env?: string | undefined;
  /** The file's config, when there is one to consult. */
  config?: ChaperoneConfig | undefined;
  keyPrefixFlag?: string | undefined;
}

export function chooseRedis(i: RedisInputs): RedisChoice {
  const keyPrefix = i.keyPrefixFlag ?? i.config?.redis.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (i.flag) return { url: i.flag, keyPrefix, from: 'flag' };
  if (i.env) return { url: i.env, keyPrefix, from: 'env' };
  if (i.config) return { url: i.config.redis.url, keyPrefix, from: 'file' };
  return { url: DEFAULT_REDIS_URL, keyPrefix, from: 'default' };
}

/** The config with the chosen Redis as its redis.url and its default connection's url. */
export function withRedis(config: ChaperoneConfig, choice: Pick<RedisChoice, 'url' | 'keyPrefix'>): ChaperoneConfig {
  if (config.redis.url === choice.url && config.redis.keyPrefix === choice.keyPrefix) return config;
  return {
    ...config,
    redis: { ...config.redis, url: choice.url, keyPrefix: choice.keyPrefix },
    connections: config.connections.map((c) => (c.name === 'default' ? { ...c, url: choice.url } : c)),
  };
}
