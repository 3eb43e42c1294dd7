// The parsed shape of "thresholds", "tenants" and "signals" in chaperone.json: levels normalized
// to plain numbers (ms, bytes, percent), each rule with the source range it came from, so that a
// finding can point at the line of the rule it breaches.
import type { SourceRange } from './source-range';

export type Severity = 'warning' | 'critical';
export type SeverityOrOff = Severity | 'off';

export interface Levels {
  warning?: number;
  critical?: number;
  /** Where the rule is written (for diagnostics). */
  range?: SourceRange;
  /** "thresholds.queues.laravel:*.depth", for messages. */
  path: string;
}

export interface QueueRules {
  pattern: string;
  depth?: Levels;
  /** The age of the oldest pending job (`oldestAge` is the same rule under its old name). */
  wait?: Levels;
  /** pending x runtime / consumers: an estimate. */
  expectedWait?: Levels;
  failureRate?: Levels;
  forecast?: Levels & { withinMs: number };
  zeroConsumers?: { severity: SeverityOrOff; range?: SourceRange; path: string };
}

export interface WorkerRules {
  /** Pool-name glob, or the pool's own name for its override. */
  pattern: string;
  memory?: Levels;
  cpu?: Levels;
  restartsPerMinute?: Levels;
  fatal?: { severity: SeverityOrOff; range?: SourceRange; path: string };
}

export interface HostRules {
  cpu: Levels;
  memory: Levels;
  disk: Levels;
  loadPerCore: Levels;
}

export interface TenantRules {
  pattern: string;
  backlogShare?: Levels;
  quotaUse?: Levels;
}

export interface ThresholdsConfig {
  breachAfter: number;
  clearAfter: number;
  queues: QueueRules[];
  /** thresholds.workers globs; pool overrides come first (exact pool names). */
  workers: WorkerRules[];
  host: HostRules;
  tenants: TenantRules[];
  /** The "thresholds" key, where the file has one: built-in rules' findings are shown there. */
  range?: SourceRange;
}

export interface TenantsConfig {
  queuePattern?: RegExp;
  payloadField?: string;
  connections: Record<string, string>;
  pools: Record<string, string>;
  quotas: Record<string, { maxWorkers: number; range?: SourceRange }>;
  noisySharePct: number;
}

export interface SignalsConfig {
  /** Undefined: the caller's default (1 s in the editor, 5 s for supervise). */
  intervalMs?: number;
  idleIntervalMs: number;
  trendWindowMs: number;
  history: { redis: boolean; retentionMs: number };
}

export const HOST_DEFAULTS = {
  cpu: { warning: 70, critical: 90 },
  memory: { warning: 80, critical: 90 },
  disk: { warning: 85, critical: 95 },
  loadPerCore: { warning: 1.5, critical: 2.0 },
} as const;
