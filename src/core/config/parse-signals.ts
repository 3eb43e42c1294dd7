// "thresholds", "tenants" and "signals" of chaperone.json -> their parsed shapes (after the schema
// has validated the raw JSON). Problems are reported through `problem` with their JSON path.
import { parseDuration, parseSize } from '../units';
import { HOST_DEFAULTS, type HostRules, type Levels, type QueueRules, type SeverityOrOff, type SignalsConfig, type TenantRules, type TenantsConfig, type ThresholdsConfig, type WorkerRules } from './signals-config';

import type { SourceRange } from './source-range';

type JsonPath = (string | number)[];
/** Finds a JSON path in the source (ConfigDocument). */
interface Locator {
  rangeOf(path: JsonPath, preferKey?: boolean): SourceRange;
}
type RawLevels = { warning?: number | string; critical?: number | string };
export interface RawWorkerRules {
  memory?: RawLevels;
  cpu?: RawLevels;
  restartsPerMinute?: RawLevels;
  fatal?: SeverityOrOff;
}
export interface RawThresholds {
  hysteresis?: { breachAfter?: number; clearAfter?: number };
  queues?: Record<string, { depth?: RawLevels; wait?: RawLevels; expectedWait?: RawLevels; oldestAge?: RawLevels; failureRate?: RawLevels; forecast?: RawLevels & { within: string | number }; zeroConsumers?: SeverityOrOff }>;
  workers?: Record<string, RawWorkerRules>;
  host?: Partial<Record<keyof HostRules, RawLevels>>;
  tenants?: Record<string, { backlogShare?: RawLevels; quotaUse?: RawLevels }>;
}
export interface RawTenants {
  queuePattern?: string;
  payloadField?: string;
  connections?: Record<string, string>;
  pools?: Record<string, string>;
  quotas?: Record<string, { maxWorkers: number }>;
  noisyShare?: number;
}
export interface RawSignals {
  interval?: string | number;
  idleInterval?: string | number;
  trendWindow?: string | number;
  history?: { redis?: boolean; retention?: string | number };
}

type Unit = 'number' | 'duration' | 'size';

export class SignalsParser {
  constructor(
    private readonly doc: Locator,
    private readonly problem: (p: JsonPath, message: string) => void,
  ) {}

  levels(raw: RawLevels | undefined, at: JsonPath, unit: Unit): Levels | undefined {
    if (!raw) return undefined;
    const conv = (v: number | string | undefined): number | undefined => (v === undefined ? undefined : unit === 'duration' ? parseDuration(v) : unit === 'size' ? parseSize(v) : Number(v));
    const l: Levels = { warning: conv(raw.warning), critical: conv(raw.critical), range: this.doc.rangeOf(at, true), path: at.join('.') };
    if (l.warning !== undefined && l.critical !== undefined && l.critical < l.warning) this.problem([...at, 'critical'], `critical (${raw.critical}) must not be below warning (${raw.warning})`);
    return l;
  }

  workerRules(pattern: string, raw: RawWorkerRules, at: JsonPath): WorkerRules {
    return {
      pattern,
      memory: this.levels(raw.memory, [...at, 'memory'], 'size'),
      cpu: this.levels(raw.cpu, [...at, 'cpu'], 'number'),
      restartsPerMinute: this.levels(raw.restartsPerMinute, [...at, 'restartsPerMinute'], 'number'),
      ...(raw.fatal ? { fatal: { severity: raw.fatal, range: this.doc.rangeOf([...at, 'fatal'], true), path: [...at, 'fatal'].join('.') } } : {}),
    };
  }

  thresholds(raw: RawThresholds | undefined, poolOverrides: { pool: string; rules: RawWorkerRules }[]): ThresholdsConfig {
    const t = raw ?? {};
    const queues: QueueRules[] = Object.entries(t.queues ?? {}).map(([pattern, q]) => {
      const at: JsonPath = ['thresholds', 'queues', pattern];
      const forecast = q.forecast ? this.levels(q.forecast, [...at, 'forecast'], 'number') : undefined;
      return {
        pattern,
        depth: this.levels(q.depth, [...at, 'depth'], 'number'),
        // oldestAge is the old name of wait (the age of the oldest pending job).
        wait: q.wait !== undefined || q.oldestAge === undefined ? this.levels(q.wait, [...at, 'wait'], 'duration') : this.levels(q.oldestAge, [...at, 'oldestAge'], 'duration'),
        expectedWait: this.levels(q.expectedWait, [...at, 'expectedWait'], 'duration'),
        failureRate: this.levels(q.failureRate, [...at, 'failureRate'], 'number'),
        ...(forecast && q.forecast ? { forecast: { ...forecast, withinMs: parseDuration(q.forecast.within) ?? 0 } } : {}),
        ...(q.zeroConsumers ? { zeroConsumers: { severity: q.zeroConsumers, range: this.doc.rangeOf([...at, 'zeroConsumers'], true), path: [...at, 'zeroConsumers'].join('.') } } : {}),
      };
    });
    const workers: WorkerRules[] = [
      ...poolOverrides.map((o) => this.workerRules(o.pool, o.rules, ['pools', o.pool, 'thresholds'])),
      ...Object.entries(t.workers ?? {}).map(([pattern, w]) => this.workerRules(pattern, w, ['thresholds', 'workers', pattern])),
    ];
    const host = {} as HostRules;
    for (const key of Object.keys(HOST_DEFAULTS) as (keyof HostRules)[]) {
      const at: JsonPath = ['thresholds', 'host', key];
      const given = this.levels(t.host?.[key], at, 'number');
      host[key] = given ?? { ...HOST_DEFAULTS[key], path: `${at.join('.')} (default)` };
    }
    const tenants: TenantRules[] = Object.entries(t.tenants ?? {}).map(([pattern, r]) => ({
      pattern,
      backlogShare: this.levels(r.backlogShare, ['thresholds', 'tenants', pattern, 'backlogShare'], 'number'),
      quotaUse: this.levels(r.quotaUse, ['thresholds', 'tenants', pattern, 'quotaUse'], 'number'),
    }));
    return { breachAfter: t.hysteresis?.breachAfter ?? 3, clearAfter: t.hysteresis?.clearAfter ?? 3, queues, workers, host, tenants, ...(raw ? { range: this.doc.rangeOf(['thresholds'], true) } : {}) };
  }

  tenants(raw: RawTenants | undefined): TenantsConfig {
    const t = raw ?? {};
    let queuePattern: RegExp | undefined;
    if (t.queuePattern !== undefined) {
      try {
        queuePattern = new RegExp(t.queuePattern);
        if (!/\(\?<tenant>/.test(t.queuePattern)) this.problem(['tenants', 'queuePattern'], 'needs a named group "tenant", e.g. "^[a-z]+:(?<tenant>[a-z0-9]+)-"');
      } catch (err) {
        this.problem(['tenants', 'queuePattern'], `not a regular expression: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const quotas: TenantsConfig['quotas'] = {};
    for (const [tenant, q] of Object.entries(t.quotas ?? {})) quotas[tenant] = { maxWorkers: q.maxWorkers, range: this.doc.rangeOf(['tenants', 'quotas', tenant], true) };
    return { queuePattern, payloadField: t.payloadField, connections: { ...(t.connections ?? {}) }, pools: { ...(t.pools ?? {}) }, quotas, noisySharePct: t.noisyShare ?? 50 };
  }

  signals(raw: RawSignals | undefined): SignalsConfig {
    const s = raw ?? {};
    const d = (v: string | number | undefined) => (v === undefined ? undefined : parseDuration(v));
    const intervalMs = d(s.interval);
    if (intervalMs !== undefined && intervalMs < 100) this.problem(['signals', 'interval'], 'must be at least 100ms');
    const trendWindowMs = d(s.trendWindow) ?? 300_000;
    if (trendWindowMs < 10_000) this.problem(['signals', 'trendWindow'], 'must be at least 10s');
    return {
      intervalMs,
      idleIntervalMs: d(s.idleInterval) ?? 30_000,
      trendWindowMs,
      history: { redis: s.history?.redis ?? false, retentionMs: d(s.history?.retention) ?? 86_400_000 },
    };
  }
}
