// Shared by the client commands: where Redis is, connecting, picking the target supervisors.
import { access } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type Redis from 'ioredis';
import { ConfigError } from '../core/config/located-error';
import type { ChaperoneConfig } from '../core/config/types';
import { chooseRedis, type RedisChoice } from '../core/config/redis-choice';
import type { SupervisorSnapshot } from '../core/snapshot';
import { parseDuration } from '../core/units';
import { loadConfig } from '../node/config-loader';
import { ControlClient } from '../node/control-client';
import { connectAndWait } from '../node/redis-connection';
import { ActionFailed, UsageError } from './cli-types';

export const COMMON_OPTIONS = {
  redis: { type: 'string' },
  config: { type: 'string' },
  'key-prefix': { type: 'string' },
  supervisor: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\nusage: ${usage}`);
  }
}

/** --config, else ./chaperone.json when there is one. */
export async function findConfigFile(values: { config?: string }): Promise<string | undefined> {
  if (values.config) return values.config;
  try {
    await access('chaperone.json');
    return 'chaperone.json';
  } catch {
    return undefined;
  }
}

/** chaperone.json from --config or ./, when there is one; an invalid one is a usage error (exit 2). */
export async function loadConfigFile(values: { config?: string }): Promise<ChaperoneConfig | undefined> {
  const file = await findConfigFile(values);
  if (!file) return undefined;
  try {
    return await loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** The CLI's inputs to the one order of core/config/redis-choice.ts. */
export function cliRedis(values: { redis?: string; 'key-prefix'?: string }, config: ChaperoneConfig | undefined): RedisChoice {
  return chooseRedis({ flag: values.redis, env: process.env.CHAPERONE_REDIS_URL, config, keyPrefixFlag: values['key-prefix'] });
}

export async function resolveRedis(values: { redis?: string; config?: string; 'key-prefix'?: string }): Promise<RedisChoice> {
  return cliRedis(values, await loadConfigFile(values));
}

export async function withClient<T>(values: Parameters<typeof resolveRedis>[0], fn: (c: ControlClient) => Promise<T>): Promise<T> {
  const { url, keyPrefix } = await resolveRedis(values);
  let redis: Redis;
  try {
    redis = await connectAndWait(url, { name: 'chaperone-cli' });
  } catch (err) {
    throw new ActionFailed(err instanceof Error ? err.message : String(err));
  }
  try {
    return await fn(new ControlClient(redis, keyPrefix));
  } finally {
    redis.disconnect();
  }
}

export async function targets(client: ControlClient, pool: string, supervisor?: string): Promise<SupervisorSnapshot[]> {
  const all = await client.supervisorsWithPool(pool);
  const chosen = supervisor ? all.filter((s) => s.id === supervisor) : all;
  if (chosen.length === 0) {
    const where = supervisor ? `supervisor ${supervisor}` : 'any live supervisor';
    throw new ActionFailed(`no pool "${pool}" on ${where} (see \`chaperone status\`)`);
  }
  return chosen;
}

export function durationOption(value: string | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const ms = parseDuration(/^\d+$/.test(value) ? Number(value) : value);
  if (ms === undefined) throw new UsageError(`--${name}: "${value}" is not a duration (e.g. 500ms, 60s, 5m)`);
  return ms;
}
