// The signals engine: every tick's observations become series (history + trend lines + rates),
// derived figures (throughput, failure rate, wait estimate, forecasts), and the findings of the
// threshold rules, with hysteresis. Pure: time comes in as `now`, nothing here does I/O.
import type { QueueRef } from '../queue-ref';
import type { QueueRules, Severity, SignalsConfig, TenantsConfig, ThresholdsConfig } from '../config/signals-config';
import type { SourceRange } from '../config/source-range';
import type { PoolConfig } from '../config/types';
import { formatBytes, formatDuration, formatEta, formatSize } from '../units';
import { EwmaRate } from './ewma';
import { levelOf, severityOf, type Finding, type SubjectKind } from './findings';
import { mostSpecific } from './glob';
import { INITIAL, step, type HysteresisState, type Level } from './hysteresis';
import type { HostObservation, Observation, PoolObservation, QueueObservation } from './observations';
import { SeriesHistory, type HistoryPoint } from './series-history';
import { SlidingRegression, type RegressionResult } from './sliding-regression';
import { tenantOfPool, tenantOfQueue } from './tenants';
import { direction, timeToCross, timeToDrain, type Direction } from './trend-math';

/** Series are dropped when unseen this long (a queue that was deleted, a worker that is gone). */
const FORGET_AFTER_MS = 10 * 60_000;
/** At most this many series of each kind are kept: memory stays bounded whatever Redis holds. */
export const MAX_QUEUE_SERIES = 5000;
const RATE_TAU_MS = 60_000;

export interface QueueSignal {
  /** The queue itself: views and commands act on it as is. */
  ref: QueueRef;
  key: string;
  id: string;
  connection: string;
  tenant?: string;
  pending: number;
  delayed: number;
  active: number;
  failed: number;
  paused: boolean;
  consumers: number | null;
  oldestAgeMs: number | null;
  runtimeMs: number | null;
  /** Finished jobs per minute (EWMA), where the system counts them. */
  throughputPerMin: number | null;
  /** Failed among finished jobs, percent (EWMA of both rates). */
  failureRatePct: number | null;
  /** Estimated wait of a job enqueued now. */
  waitMs: number | null;
  trend?: RegressionResult;
  direction: Direction;
  /** Pending jobs per minute along the trend line. */
  slopePerMin: number;
  drainMs?: number;
}

export interface PoolSignal {
  name: string;
  tenant?: string;
  running: number;
  restartsPerMin: number;
  workers: { id: string; state: string; cpu?: number; memoryBytes?: number }[];
}

export interface TenantSignal {
  tenant: string;
  pending: number;
  throughputPerMin: number;
  failed: number;
  workers: number;
  backlogSharePct: number;
  quota?: { maxWorkers: number; usePct: number };
  queues: string[];
  pools: string[];
}

export interface Signals {
  at: number;
  queues: QueueSignal[];
  pools: PoolSignal[];
  host?: HostObservation;
  tenants: TenantSignal[];
}

/** A rule's outcome before hysteresis; the message is built only for findings that are shown. */
type RawBreach = Omit<Finding, 'message'> & { level: Level; message: () => string; /** What else the message depends on (a rate). */ detail?: string };

interface QueueRulesResolved {
  depth?: QueueRules['depth'];
  wait?: QueueRules['wait'];
  oldestAge?: QueueRules['oldestAge'];
  failureRate?: QueueRules['failureRate'];
  forecast?: QueueRules['forecast'];
  zeroConsumers?: QueueRules['zeroConsumers'];
  related: NonNullable<Finding['related']>;
}

interface QueueState {
  obs: QueueObservation;
  seen: number;
  depth: SlidingRegression;
  depthHistory: SeriesHistory;
  completedRate: EwmaRate;
  failedRate: EwmaRate;
  processedRate: EwmaRate;
}

export class SignalsEngine {
  private readonly queues = new Map<string, QueueState>();
  private readonly pools = new Map<string, { obs: PoolObservation; seen: number; lastRestarts: Map<string, number>; events: { t: number; n: number }[] }>();
  private readonly series = new Map<string, { history: SeriesHistory; seen: number }>();
  private host: HostObservation | undefined;
  private readonly hysteresis = new Map<string, HysteresisState>();
  /** The rules that apply to each queue id, resolved once (the config does not change). */
  private readonly resolved = new Map<string, QueueRulesResolved>();
  /** The last finding shown per key: reused while its figures are the same (no new strings per tick). */
  private readonly shown = new Map<string, { sig: string; finding: Finding }>();
  private lastForget = 0;
  private at = 0;

  constructor(
    private readonly thresholds: ThresholdsConfig,
    private readonly tenants: TenantsConfig,
    private readonly signalsCfg: Pick<SignalsConfig, 'trendWindowMs'>,
    private readonly poolConfigs: readonly PoolConfig[] = [],
  ) {}

  observe(now: number, o: Observation): void {
    this.at = now;
    for (const q of o.queues) this.observeQueue(now, q);
    for (const p of o.pools) this.observePool(now, p);
    if (o.host) {
      this.host = o.host;
      this.record('host:cpu', now, o.host.cpuPct);
      this.record('host:memory', now, o.host.memoryPct);
      this.record('host:load', now, o.host.loadPerCore);
      for (const d of o.host.disks) this.record(`host:disk:${d.mount}`, now, d.usedPct);
      if (o.host.rxBytesPerSec !== undefined) this.record('host:net:rx', now, o.host.rxBytesPerSec);
      if (o.host.txBytesPerSec !== undefined) this.record('host:net:tx', now, o.host.txBytesPerSec);
    }
    if (now - this.lastForget >= 10_000) {
      this.lastForget = now;
      this.forget(now);
    }
  }

  /** The history of a series ("queue:<key>:depth", "worker:<pool>/<id>:cpu", "host:cpu", ...). */
  history(series: string, from: number, to: number, maxPoints?: number): { resolutionMs: number; points: HistoryPoint[] } | undefined {
    const q = /^queue:(.+):depth$/.exec(series);
    if (q) return this.queues.get(q[1])?.depthHistory.range(from, to, maxPoints);
    return this.series.get(series)?.history.range(from, to, maxPoints);
  }

  /**
   * Puts points read back from persisted history into a series (before live samples arrive): a
   * queue's depth also feeds its trend line, so trends survive a restart.
   */
  restore(series: string, points: readonly { t: number; v: number }[]): void {
    const q = /^queue:(.+):depth$/.exec(series);
    const sorted = [...points].sort((a, b) => a.t - b.t);
    if (q) {
      const s = this.queues.get(q[1]);
      if (!s) return;
      // The trend line takes samples in time order: rebuild it with the restored points first.
      const line = new SlidingRegression(this.signalsCfg.trendWindowMs, 600);
      for (const p of sorted) {
        if (p.t >= s.seen) continue;
        s.depthHistory.add(p.t, p.v);
        line.add(p.t, p.v);
      }
      line.add(s.seen, s.obs.pending);
      s.depth = line;
      return;
    }
    for (const p of sorted) this.record(series, p.t, p.v);
  }

  seriesNames(): string[] {
    return [...[...this.queues.keys()].map((k) => `queue:${k}:depth`), ...this.series.keys()];
  }

  signals(now = this.at): Signals {
    const queues = [...this.queues.values()].map((s) => this.queueSignal(s, now));
    const pools = [...this.pools.values()].map(({ obs, events }) => ({
      name: obs.name,
      tenant: this.poolTenant(obs.name),
      running: obs.running,
      restartsPerMin: events.filter((e) => e.t > now - 60_000).reduce((a, e) => a + e.n, 0),
      workers: obs.workers.map((w) => ({ id: w.id, state: w.state, cpu: w.cpu, memoryBytes: w.memoryBytes })),
    }));
    return { at: now, queues, pools, host: this.host, tenants: this.tenantSignals(queues, pools) };
  }

  /**
   * The findings: with hysteresis (each call is one sample of every rule), or `once` to evaluate
   * the current values alone (`chaperone check`).
   */
  evaluate(now = this.at, mode: 'hysteresis' | 'once' = 'hysteresis', signals?: Signals): Finding[] {
    const raw = this.breaches(signals ?? this.signals(now));
    if (mode === 'once') return raw.filter((b) => b.level !== 'ok').map((b) => materialize(b, b.level as Severity));
    const seen = new Set<string>();
    const out: Finding[] = [];
    for (const b of raw) {
      seen.add(b.key);
      const prev = this.hysteresis.get(b.key) ?? INITIAL;
      const next = step(prev, b.level, this.thresholds.breachAfter, this.thresholds.clearAfter);
      // Only states that differ from "all clear" are kept: the map holds what is breached or pending.
      if (next.active === 'ok' && next.pending === 'ok') this.hysteresis.delete(b.key);
      else this.hysteresis.set(b.key, next);
      if (next.active === 'ok') continue;
      const sig = `${next.active}|${b.value}|${b.limit}|${b.detail ?? ''}`;
      const prevShown = this.shown.get(b.key);
      if (prevShown && prevShown.sig === sig) out.push(prevShown.finding);
      else {
        const finding = materialize(b, next.active);
        this.shown.set(b.key, { sig, finding });
        out.push(finding);
      }
    }
    for (const k of this.shown.keys()) if (!this.hysteresis.get(k) || this.hysteresis.get(k)?.active === 'ok') this.shown.delete(k);
    // A rule no longer evaluated (its subject is gone) counts as clear.
    for (const [key, st] of this.hysteresis) {
      if (seen.has(key)) continue;
      const next = step(st, 'ok', this.thresholds.breachAfter, this.thresholds.clearAfter);
      if (next.active === 'ok' && next.count === 0) this.hysteresis.delete(key);
      else this.hysteresis.set(key, next);
    }
    return out;
  }

  // ---- observation ----

  private observeQueue(now: number, q: QueueObservation): void {
    let s = this.queues.get(q.key);
    if (!s) {
      if (this.queues.size >= MAX_QUEUE_SERIES) return;
      s = {
        obs: q, seen: now,
        depth: new SlidingRegression(this.signalsCfg.trendWindowMs, 600),
        depthHistory: new SeriesHistory(),
        completedRate: new EwmaRate(RATE_TAU_MS),
        failedRate: new EwmaRate(RATE_TAU_MS),
        processedRate: new EwmaRate(RATE_TAU_MS),
      };
      this.queues.set(q.key, s);
    }
    s.obs = q;
    s.seen = now;
    s.depth.add(now, q.pending);
    s.depthHistory.add(now, q.pending);
    if (q.completed !== undefined) s.completedRate.add(now, q.completed);
    if (q.processed !== undefined) s.processedRate.add(now, q.processed);
    s.failedRate.add(now, q.failed);
  }

  private observePool(now: number, p: PoolObservation): void {
    let s = this.pools.get(p.name);
    if (!s) this.pools.set(p.name, (s = { obs: p, seen: now, lastRestarts: new Map(), events: [] }));
    let restarted = 0;
    for (const w of p.workers) {
      const before = s.lastRestarts.get(w.id);
      if (before !== undefined && w.restarts > before) restarted += w.restarts - before;
      s.lastRestarts.set(w.id, w.restarts);
      if (w.cpu !== undefined) this.record(`worker:${p.name}/${w.id}:cpu`, now, w.cpu);
      if (w.memoryBytes !== undefined) this.record(`worker:${p.name}/${w.id}:memory`, now, w.memoryBytes);
    }
    for (const id of s.lastRestarts.keys()) if (!p.workers.some((w) => w.id === id)) s.lastRestarts.delete(id);
    if (restarted > 0) s.events.push({ t: now, n: restarted });
    s.events = s.events.filter((e) => e.t > now - 60_000);
    s.obs = p;
    s.seen = now;
    this.record(`pool:${p.name}:running`, now, p.running);
  }

  private record(name: string, now: number, v: number): void {
    let s = this.series.get(name);
    if (!s) {
      if (this.series.size >= MAX_QUEUE_SERIES) return;
      this.series.set(name, (s = { history: new SeriesHistory(), seen: now }));
    }
    s.seen = now;
    s.history.add(now, v);
  }

  private forget(now: number): void {
    for (const [k, s] of this.queues) if (now - s.seen > FORGET_AFTER_MS) this.queues.delete(k);
    for (const [k, s] of this.pools) if (now - s.seen > FORGET_AFTER_MS) this.pools.delete(k);
    for (const [k, s] of this.series) if (now - s.seen > FORGET_AFTER_MS) this.series.delete(k);
  }

  // ---- derived figures ----

  private queueSignal(s: QueueState, now: number): QueueSignal {
    const q = s.obs;
    s.depth.expire(now);
    const trend = s.depth.result();
    const completed = s.completedRate.get();
    const failed = s.failedRate.get();
    const processed = s.processedRate.get();
    const perSec = processed ?? (completed !== undefined ? completed + (failed ?? 0) : undefined);
    const throughputPerMin = perSec === undefined ? null : perSec * 60;
    const finished = (completed ?? 0) + (failed ?? 0);
    const failureRatePct = completed !== undefined && finished > 1e-9 ? ((failed ?? 0) / finished) * 100 : null;
    let waitMs: number | null = null;
    if (q.pending === 0) waitMs = 0;
    else if (q.runtimeMs !== null && q.consumers !== null && q.consumers > 0) waitMs = (q.pending * q.runtimeMs) / q.consumers;
    else if (perSec !== undefined && perSec > 1e-9) waitMs = (q.pending / perSec) * 1000;
    const dir = trend ? direction(trend, { horizonMs: 60_000 }) : 'stable';
    return {
      ref: q.ref, key: q.key, id: q.id, connection: q.connection, tenant: tenantOfQueue(q, this.tenants),
      pending: q.pending, delayed: q.delayed, active: q.active, failed: q.failed, paused: q.paused, consumers: q.consumers,
      oldestAgeMs: q.oldestAgeMs, runtimeMs: q.runtimeMs, throughputPerMin, failureRatePct, waitMs,
      trend, direction: dir, slopePerMin: (trend?.slope ?? 0) * 60,
      drainMs: trend && dir === 'falling' ? timeToDrain(trend) : undefined,
    };
  }

  private poolTenant(pool: string): string | undefined {
    const cfg = this.poolConfigs.find((p) => p.name === pool);
    return cfg ? tenantOfPool(cfg, this.tenants) : this.tenants.pools[pool];
  }

  private tenantSignals(queues: QueueSignal[], pools: PoolSignal[]): TenantSignal[] {
    const total = queues.reduce((a, q) => a + q.pending, 0);
    const by = new Map<string, TenantSignal>();
    const get = (t: string): TenantSignal => {
      let x = by.get(t);
      if (!x) by.set(t, (x = { tenant: t, pending: 0, throughputPerMin: 0, failed: 0, workers: 0, backlogSharePct: 0, queues: [], pools: [] }));
      return x;
    };
    for (const q of queues) {
      if (!q.tenant) continue;
      const t = get(q.tenant);
      t.pending += q.pending;
      t.throughputPerMin += q.throughputPerMin ?? 0;
      t.failed += q.failed;
      t.queues.push(q.key);
    }
    for (const p of pools) {
      if (!p.tenant) continue;
      const t = get(p.tenant);
      t.workers += p.running;
      t.pools.push(p.name);
    }
    for (const [tenant, q] of Object.entries(this.tenants.quotas)) {
      const t = get(tenant);
      t.quota = { maxWorkers: q.maxWorkers, usePct: q.maxWorkers > 0 ? (t.workers / q.maxWorkers) * 100 : t.workers > 0 ? Infinity : 0 };
    }
    for (const t of by.values()) t.backlogSharePct = total > 0 ? (t.pending / total) * 100 : 0;
    return [...by.values()].sort((a, b) => a.tenant.localeCompare(b.tenant));
  }

  // ---- rules ----

  private rulesFor(id: string): QueueRulesResolved {
    let r = this.resolved.get(id);
    if (!r) {
      const T = this.thresholds.queues;
      const pick = <K extends keyof QueueRules>(k: K) => mostSpecific(T, id, (x) => x[k] !== undefined)?.[k];
      r = {
        depth: pick('depth'), wait: pick('wait'), oldestAge: pick('oldestAge'), failureRate: pick('failureRate'), forecast: pick('forecast'), zeroConsumers: pick('zeroConsumers'),
        related: this.poolConfigs.filter((p) => p.queues.includes(id) && p.range).map((p) => ({ message: `pool "${p.name}" serves ${id}`, range: p.range as SourceRange })),
      };
      if (this.resolved.size < MAX_QUEUE_SERIES) this.resolved.set(id, r);
    }
    return r;
  }

  private breaches(sig: Signals): RawBreach[] {
    const out: RawBreach[] = [];
    const push = (kind: SubjectKind, id: string, metric: string, value: number, l: { warning?: number; critical?: number; range?: SourceRange } | undefined, message: (limit: number) => string, related?: Finding['related']) => {
      if (!l) return;
      const { level, limit } = levelOf(value, l);
      out.push({ key: `${kind}:${id}:${metric}`, level, severity: level === 'ok' ? 'warning' : level, subject: { kind, id }, metric, value, limit, message: () => message(limit), range: l.range, related });
    };
    const T = this.thresholds;
    for (const q of sig.queues) {
      const rules = this.rulesFor(q.id);
      const rule = <K extends Exclude<keyof QueueRulesResolved, 'related'>>(k: K) => rules[k];
      const related = rules.related.length ? rules.related : undefined;
      const name = q.connection === 'default' ? q.id : `${q.connection}/${q.id}`;
      const rising = q.direction === 'rising' ? q.slopePerMin : 0;
      const depth = rule('depth');
      const depthAt = out.length;
      push('queue', q.key, 'depth', q.pending, depth, (limit) => {
        let m = `${name} depth ${q.pending} > ${limit}`;
        if (rising > 0 && q.trend) {
          const next = depth?.critical !== undefined && q.pending <= depth.critical ? depth.critical : undefined;
          const eta = next !== undefined ? timeToCross(q.trend, next) : undefined;
          m += `; at +${fmtNum(rising)}/min${eta !== undefined ? ` it reaches ${next} in ${formatEta(eta)}` : ''}`;
        }
        return m;
      }, related);
      if (out.length > depthAt) out[depthAt].detail = rising > 0 ? fmtNum(rising) : '';
      for (const r of QUEUE_LEVEL_RULES) {
        const value = r.value(q);
        if (value !== null) push('queue', q.key, r.metric, value, rule(r.metric), (limit) => r.message(name, q, value, limit), related);
      }
      const fc = rule('forecast');
      if (fc && q.trend && q.direction === 'rising') {
        for (const sev of ['critical', 'warning'] as const) {
          const target = fc[sev];
          if (target === undefined) continue;
          const eta = timeToCross(q.trend, target);
          if (eta !== undefined && eta <= fc.withinMs && q.pending < target) {
            out.push({ key: `queue:${q.key}:forecast`, level: sev, severity: sev, subject: { kind: 'queue', id: q.key }, metric: 'forecast', value: q.pending, limit: target, range: fc.range, related,
              message: () => `${name} depth ${q.pending} rising +${fmtNum(rising)}/min reaches ${target} in ${formatEta(eta)} (within ${formatEta(fc.withinMs)})` });
            break;
          }
        }
        if (!out.some((f) => f.key === `queue:${q.key}:forecast`)) out.push({ key: `queue:${q.key}:forecast`, level: 'ok', severity: 'warning', subject: { kind: 'queue', id: q.key }, metric: 'forecast', value: q.pending, limit: 0, message: () => '', range: fc.range });
      }
      if (q.consumers !== null) {
        const zc = rule('zeroConsumers');
        const level = q.pending > 0 && q.consumers === 0 && !q.paused ? severityOf(zc?.severity, RULE_DEFAULTS.zeroConsumers) : 'ok';
        out.push({ key: `queue:${q.key}:zeroConsumers`, level, severity: level === 'ok' ? 'warning' : level, subject: { kind: 'queue', id: q.key }, metric: 'zeroConsumers', value: q.pending, limit: 0, range: zc?.range, related,
          message: () => `${name} has ${q.pending} pending job${q.pending === 1 ? '' : 's'} and no consumer` });
      }
    }
    for (const p of sig.pools) {
      const cfg = this.poolConfigs.find((c) => c.name === p.name);
      const related = cfg?.range ? [{ message: `pool "${p.name}"`, range: cfg.range }] : undefined;
      const rule = <K extends 'memory' | 'cpu' | 'restartsPerMinute' | 'fatal'>(k: K) => mostSpecific(T.workers, p.name, (r) => r[k] !== undefined)?.[k];
      push('pool', p.name, 'restartsPerMinute', p.restartsPerMin, rule('restartsPerMinute'), (limit) => `pool ${p.name}: ${p.restartsPerMin} restart${p.restartsPerMin === 1 ? '' : 's'} in the last minute > ${limit}`, related);
      for (const w of p.workers) {
        const id = `${p.name}/${w.id}`;
        for (const r of WORKER_LEVEL_RULES) {
          const value = r.value(w);
          if (value !== undefined) push('worker', id, r.metric, value, rule(r.metric), (limit) => `pool ${p.name} worker ${w.id} ${r.message(value, limit)}`, related);
        }
        const fatal = rule('fatal');
        const level = w.state === 'fatal' ? severityOf(fatal?.severity, RULE_DEFAULTS.fatal) : 'ok';
        out.push({ key: `worker:${id}:fatal`, level, severity: level === 'ok' ? 'critical' : level, subject: { kind: 'worker', id }, metric: 'fatal', value: 1, limit: 0, range: fatal?.range ?? cfg?.range, related,
          message: () => `pool ${p.name} worker ${w.id} is fatal: its restart budget is spent (chaperone restart ${p.name} recovers it)` });
      }
    }
    const h = sig.host;
    if (h) {
      for (const r of HOST_LEVEL_RULES) push('host', 'host', r.metric, r.value(h), T.host[r.metric], (limit) => r.message(r.value(h), limit));
      for (const d of h.disks) push('host', `host:${d.mount}`, 'disk', d.usedPct, T.host.disk, (limit) => `disk ${d.mount} ${fmtNum(d.usedPct)}% used > ${limit}% (${formatBytes(d.freeBytes)} free)`);
    }
    for (const t of sig.tenants) {
      const rule = <K extends 'backlogShare' | 'quotaUse'>(k: K) => mostSpecific(T.tenants, t.tenant, (r) => r[k] !== undefined)?.[k];
      const share = rule('backlogShare') ?? { warning: this.tenants.noisySharePct };
      if (sig.tenants.length > 1) push('tenant', t.tenant, 'backlogShare', t.backlogSharePct, share, (limit) => `tenant ${t.tenant} holds ${fmtNum(t.backlogSharePct)}% of the backlog (${t.pending} jobs) > ${limit}%: a noisy neighbour`);
      if (t.quota) {
        const q = this.tenants.quotas[t.tenant];
        push('tenant', t.tenant, 'quotaUse', t.quota.usePct, rule('quotaUse') ?? { critical: RULE_DEFAULTS.quotaUseCritical, range: q?.range }, (limit) => `tenant ${t.tenant} runs ${t.workers} of its ${t.quota?.maxWorkers} workers (${fmtNum(t.quota?.usePct ?? 0)}% > ${limit}%)`);
      }
    }
    return out;
  }
}

// ---- the rules as data: a figure, the rule it is held to, what the finding says ----

/** What applies where chaperone.json names no rule (test/unit/config-defaults.test.ts checks the schema says the same). */
export const RULE_DEFAULTS = { zeroConsumers: 'warning', fatal: 'critical', quotaUseCritical: 100 } as const;

/** Level rules on a queue's figures (depth has its own: its message says where it is heading). */
const QUEUE_LEVEL_RULES: readonly { metric: 'wait' | 'oldestAge' | 'failureRate'; value: (q: QueueSignal) => number | null; message: (name: string, q: QueueSignal, value: number, limit: number) => string }[] = [
  {
    metric: 'wait', value: (q) => q.waitMs,
    message: (name, q, v, limit) => {
      const how = q.runtimeMs !== null && q.consumers ? `depth ${q.pending} x ${formatDuration(q.runtimeMs)} / ${q.consumers} consumer${q.consumers === 1 ? '' : 's'}` : `depth ${q.pending} at ${fmtNum(q.throughputPerMin ?? 0)}/min`;
      return `${name} wait ~${formatDuration(v)} > ${formatDuration(limit)} (${how})`;
    },
  },
  { metric: 'oldestAge', value: (q) => q.oldestAgeMs, message: (name, _q, v, limit) => `${name} oldest job waiting ${formatDuration(v)} > ${formatDuration(limit)}` },
  { metric: 'failureRate', value: (q) => q.failureRatePct, message: (name, _q, v, limit) => `${name} ${fmtNum(v)}% of finished jobs failed > ${limit}%` },
];

/** Level rules on one worker's usage. */
const WORKER_LEVEL_RULES: readonly { metric: 'memory' | 'cpu'; value: (w: { cpu?: number; memoryBytes?: number }) => number | undefined; message: (value: number, limit: number) => string }[] = [
  { metric: 'memory', value: (w) => w.memoryBytes, message: (v, limit) => `memory ${formatSize(v)} > ${formatSize(limit)}` },
  { metric: 'cpu', value: (w) => w.cpu, message: (v, limit) => `CPU ${fmtNum(v)}% > ${limit}%` },
];

/** Level rules on the host (disks have their own: one finding per mount). */
const HOST_LEVEL_RULES: readonly { metric: 'cpu' | 'memory' | 'loadPerCore'; value: (h: HostObservation) => number; message: (value: number, limit: number) => string }[] = [
  { metric: 'cpu', value: (h) => h.cpuPct, message: (v, limit) => `host CPU ${fmtNum(v)}% > ${limit}%` },
  { metric: 'memory', value: (h) => h.memoryPct, message: (v, limit) => `host memory ${fmtNum(v)}% > ${limit}%` },
  { metric: 'loadPerCore', value: (h) => h.loadPerCore, message: (v, limit) => `host load ${fmtNum(v)} per core > ${limit}` },
];

function materialize(b: RawBreach, severity: Severity): Finding {
  const f: Finding = { key: b.key, severity, subject: b.subject, metric: b.metric, value: b.value, limit: b.limit, message: b.message() };
  if (b.range) f.range = b.range;
  if (b.related) f.related = b.related;
  return f;
}

/** Whole numbers from 10 up, one decimal below (without a trailing ".0"). */
function fmtNum(n: number): string {
  return Math.abs(n) >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}
