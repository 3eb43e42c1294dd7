import type { PathMapping } from '../source-paths';
import type { SignalsConfig, TenantsConfig, ThresholdsConfig } from './signals-config';
import type { SourceRange } from './source-range';
import type { RestartPolicy } from '../restart-policy';
import type { ScalePolicy } from '../scaler';
import type { LogFileSpec } from '../ports';
import type { NotifyChannel } from '../notify/notify-config';

export type { SourceRange } from './source-range';

export interface PoolConfig {
  name: string;
  command: string[];
  cwd: string; // absolute
  env: Record<string, string>;
  min: number;
  max: number;
  initial: number;
  autostart: boolean;
  restart: RestartPolicy;
  stop: { signal: string; timeoutMs: number };
  limits: { memoryBytes?: number; cpuPercent?: number; samples: number };
  queues: string[];
  scale: ScalePolicy;
  drain: { pauseQueues: boolean };
  /** Output on disk ("logs"), paths absolute. */
  logs?: LogFileSpec;
  /** Rolling restart when these files change ("watch"), globs relative to the config's folder. */
  watch?: WatchConfig;
  /** Tenant from tenants.pools, if given. */
  tenant?: string;
  /** Where the pool is defined in chaperone.json (its key), for diagnostics. */
  range?: SourceRange;
}

export interface WatchConfig {
  paths: string[];
  ignore: string[];
  debounceMs: number;
}

/** Per-system settings of a connection; a system listed here is watched on it. */
export interface QueueSystemsConfig {
  bullmq?: { prefix: string };
  laravel?: LaravelSystemConfig;
  sidekiq?: { namespace: string };
  rq?: { prefix: string };
  celery?: { prefix: string; queues: string[] };
}

export interface LaravelSystemConfig {
  /** The Redis connection prefix of the app's queue connection. */
  prefix: string;
  /** The Laravel queue connection name (config/queue.php), part of the pause key. */
  connection: string;
  /** The default cache store (redis): the whole key prefix and its database. */
  cache: { prefix: string; db: number };
  horizon: { prefix: string };
}

export interface SentinelConfig {
  masterName: string;
  sentinels: { host: string; port: number }[];
  db: number;
  tls: boolean;
}

export interface ClusterConfig {
  nodes: { host: string; port: number }[];
  tls: boolean;
}

export interface ConnectionConfig {
  /** "default" is the top-level redis.url with the top-level queues. */
  name: string;
  /** The server's URL; for a Sentinel connection a display form, sentinel://host:port,.../masterName. */
  url: string;
  /** When set, the master is found through these sentinels (url is only for display). */
  sentinel?: SentinelConfig;
  /** When set, a Redis Cluster reached from these nodes (url is only for display). */
  cluster?: ClusterConfig;
  readOnly: boolean;
  systems: QueueSystemsConfig;
  range?: SourceRange;
}

export interface ChaperoneConfig {
  thresholds: ThresholdsConfig;
  tenants: TenantsConfig;
  signals: SignalsConfig;
  file: string;
  redis: { url: string; keyPrefix: string };
  supervisor: { id?: string; heartbeatMs: number; sampleIntervalMs: number; logLines: number; handoverGraceMs: number };
  pools: PoolConfig[];
  /** The default connection first, then the named ones. */
  connections: ConnectionConfig[];
  /** Where the paths of traces from elsewhere are here ("pathMappings"), local paths resolved. */
  pathMappings: PathMapping[];
  /** Where findings are told ("notify"); sent by `chaperone supervise`. */
  notify: NotifyChannel[];
}
