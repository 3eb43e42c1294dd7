// The signals engine: every tick's observations become series (history + trend lines + rates),
// derived figures (throughput, failure rate, wait estimate, forecasts), and the findings of the
// threshold rules, with hysteresis. Pure: time comes in as `now`, nothing here does I/O.
import { queueLabel, SYSTEM_NAMES, type QueueRef, type SystemName } from '../queue-ref';
import type { QueueRules, Severity, SignalsConfig, TenantsConfig, ThresholdsConfig } from '../config/signals-config';
import type { SourceRange } from '../config/source-range';
import type { PoolConfig } from '../config/types';
import { formatBytes, formatDuration, formatEta, formatSize } from '../units';
import { known, sumFigures, unknown, valueOf, type Figure, type Precision } from './figure';
import { poolUsage, usagePoint } from './pool-usage';
import { FlowWindow, scopeKey, type FlowFigures, type FlowReading } from './flow';
import { levelOf, severityOf, type Finding, type SubjectKind } from './findings';
import { mostSpecific } from './glob';
import { INITIAL, step, type HysteresisState, type Level } from './hysteresis';
import type { HostObservation, Observation, PoolObservation, QueueObservation } from './observations';
import { QueueSignalOf, type QueueSignal } from './queue-signal';
import { SeriesPool, type HistoryPoint, type SeriesHistory } from './series-history';
import { RegressionPool, type SlidingRegression } from './sliding-regression';
import { tenantOfPool, tenantOfQueue } from './tenants';
import { tenantParts, Z95 } from './tenant-shares';
import { direction, timeToCross, timeToDrain, type Direction } from './trend-math';

export type { QueueSignal } from './queue-signal';

/** Series are dropped when unseen this long (a queue that was deleted, a worker that is gone). */
const FORGET_AFTER_MS = 10 * 60_000;
/** At most this many series of each kind are kept: memory stays bounded whatever Redis holds. */
export const MAX_QUEUE_SERIES = 5000;
/** Findings of subjects other than known queues rank after every queue. */
const MAX_ORDER = Number.MAX_SAFE_INTEGER / 2;
/** A queue's arrow: where its trend line goes over the next minute. */
const ARROW_OVER = { horizonMs: 60_000 } as const;
/** Queues whose wait has a history (43 KB each): the dashboard draws the deepest few. */
const MAX_WAIT_SERIES = 200;

export interface PoolSignal {
  name: string;
  tenant?: string;
  running: number;
  restartsPerMin: number;
  workers: { id: string; state: string; cpu?: number; memoryBytes?: number }[];
}

/** One system on one connection: its totals (the sums of its queues at the same tick) and its flow. */
export interface SystemSignal {
  key: string;
  system: QueueRef['system'];
  connection: string;
  queues: number;
  pending: number;
  delayed: number;
  active: number;
  failed: number;
  throughput: Figure;
  failureRate: Figure;
  runtimeP50: Figure;
  runtimeP95: Figure;
}

export interface TenantSignal {
  tenant: string;
  /** Its pending jobs (an estimate where its queues' split was sampled: see backlogShare). */
  pending: number;
  throughput: Figure;
  failed: number;
  workers: number;
  /** Its share of the backlog, percent: exact, or sampled with its 95 % error in the note. */
  backlogShare: Figure;
  /** Half the 95 % interval of the share, in points (0 when exact). */
  shareErrorPct: number;
  quota?: { maxWorkers: number; usePct: number };
  queues: string[];
  pools: string[];
}

export interface Signals {
  at: number;
  queues: QueueSignal[];
  systems: SystemSignal[];
  pools: PoolSignal[];
  host?: HostObservation;
  tenants: TenantSignal[];
}

/** One evaluation in progress (beginEvaluation .. endEvaluation). */
export interface Evaluation {
  now: number;
  /** Which evaluation this is: rules evaluated in it carry it. */
  id: number;
  /** Rules kept (not all clear) after being evaluated in it. */
  kept: number;
  out: Finding[];
  /** Where each finding of `out` goes in the list (its queue's order; other subjects after every queue). */
  ranks: number[];
}

/** A rule's outcome before hysteresis; the message is built only for findings that are shown. */
export type RawBreach = Omit<Finding, 'message' | 'builtIn' | 'since'> & { level: Level; message: () => string; /** What else the message depends on (a rate). */ detail?: string };

interface QueueRulesResolved {
  depth?: QueueRules['depth'];
  wait?: QueueRules['wait'];
  expectedWait?: QueueRules['expectedWait'];
  failureRate?: QueueRules['failureRate'];
  forecast?: QueueRules['forecast'];
  zeroConsumers?: QueueRules['zeroConsumers'];
  related: NonNullable<Finding['related']>;
}

/** A queue's rule keys ("queue:<key>:<metric>") and the subject of its findings, built once. */
interface QueueRuleKeys {
  subject: { kind: 'queue'; id: string };
  depth: string;
  wait: string;
  expectedWait: string;
  failureRate: string;
  forecast: string;
  zeroConsumers: string;
}

interface RuleState {
  h: HysteresisState;
  /** The evaluation that last sampled it. */
  evaluation: number;
  /** When it became active (undefined while it is not). */
  since: number | undefined;
  /** The finding last shown for it, reused while its figures are the same (no new strings per tick). */
  shown: { level: Level; value: number; limit: number; detail: string; finding: Finding } | undefined;
  /** Its last outcome, given again while the figures are the same. */
  outcome?: RawBreach;
  /** The queue it belongs to (a steady queue's rules are evaluated without being looked at). */
  queue?: QueueState;
}

/**
 * What a queue's rules read of its signal, and the findings they gave, kept when every rule of
 * the queue was steady at its last evaluation (each outcome and hysteresis state the same as the
 * time before). While these figures stay the same, the next evaluation gives the same findings
 * again without looking at a rule: most queues at most ticks.
 */
interface SteadyRules {
  pending: number;
  direction: Direction;
  // A figure no rule of the queue reads is left out (undefined): the age of the oldest job grows
  // every tick, and compared anyway it made every queue with a stamped job unsteady at every tick,
  // its rules all looked at again for the same findings.
  wait: number | null | undefined;
  expectedWait: number | null | undefined;
  failureRate: number | null | undefined;
  consumers: number | null;
  paused: boolean;
  findings: Finding[];
}

interface QueueState {
  /** When it was first seen among the queues (findings are listed in this order). */
  order: number;
  obs: QueueObservation;
  seen: number;
  depth: SlidingRegression;
  depthHistory: SeriesHistory;
  /** Names built once per queue, not per tick: its wait series and its system's flow scope. */
  waitSeries: string;
  systemKey: string;
  /** Resolved once per queue (the config does not change while the engine lives): its rules, their keys, its tenant. */
  rules: QueueRulesResolved;
  ruleKeys: QueueRuleKeys;
  tenant: string | undefined;
  /** Its signal as last built, and at which tick: the sampler's tick gathers them from here. */
  signal: QueueSignal | undefined;
  signalAt: number;
  /** Where its flow figures come from, as found at flowScopes = flowVersion: its own window, or figures that stay as they are. */
  flowVersion: number;
  flowWindow: FlowWindow | undefined;
  flowFixed: FlowFigures | undefined;
  /** The evaluation that last gave its steady findings again (without looking at its rules), and what they were. */
  steadyIn: number;
  steady: SteadyRules | undefined;
}

export class SignalsEngine {
  private readonly queues = new Map<string, QueueState>();
  private readonly pools = new Map<string, { obs: PoolObservation; seen: number; lastRestarts: Map<string, number>; events: { t: number; n: number }[] }>();
  private readonly series = new Map<string, { history: SeriesHistory; seen: number }>();
  /** Every series' history, side by side in blocks (a tick writes the same second of each). */
  private readonly histories = new SeriesPool();
  /** Every queue's trend line, side by side in the same way. */
  private readonly lines: RegressionPool;
  /** What finished, per queue or system (scopeKey). */
  private readonly flows = new Map<string, { window: FlowWindow; seen: number }>();
  private readonly flowUnknown = new Map<string, { why: string; seen: number }>();
  /** Moves on whenever a scope gets or loses a window or a reason, or its reason changes: a queue's flow source holds while it stays. */
  private flowScopes = 0;
  private host: HostObservation | undefined;
  /** Per rule (finding key) not all clear: its hysteresis, since when it is active, the finding last shown. */
  private readonly rules = new Map<string, RuleState>();
  private readonly ruleKeys = new Map<string, QueueRuleKeys>();
  private evaluations = 0;
  private queueOrder = 0;
  /** The rules that apply to each queue id, resolved once (the config does not change). */
  private readonly resolved = new Map<string, QueueRulesResolved>();
  private lastForget = 0;
  private waitSeries = 0;
  private at = 0;

  constructor(
    private readonly thresholds: ThresholdsConfig,
    private readonly tenants: TenantsConfig,
    signalsCfg: Pick<SignalsConfig, 'trendWindowMs'>,
    private readonly poolConfigs: readonly PoolConfig[] = [],
  ) {
    this.lines = new RegressionPool(signalsCfg.trendWindowMs, 600);
  }

  observe(now: number, o: Observation): void {
    this.at = now;
    for (const q of o.queues) this.observeQueue(now, q);
    for (const f of o.flows ?? []) this.observeFlow(now, f);
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

  /**
   * Records the figures derived at a tick (each system's throughput) as series of their own, so the
   * dashboard draws them from the same history (and the history store keeps them). Called once per
   * tick by the sampler, after signals().
   */
  recordDerived(s: Signals): void {
    for (const x of s.systems) if (x.throughput.value !== null) this.record(`system:${x.key}:throughput`, s.at, x.throughput.value);
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
      const line = this.lines.create();
      for (const p of sorted) {
        if (p.t >= s.seen) continue;
        s.depthHistory.add(p.t, p.v);
        line.add(p.t, p.v);
      }
      line.add(s.seen, s.obs.pending);
      this.lines.release(s.depth);
      s.depth = line;
      return;
    }
    for (const p of sorted) this.record(series, p.t, p.v);
  }

  seriesNames(): string[] {
    return [...[...this.queues.keys()].map((k) => `queue:${k}:depth`), ...this.series.keys()];
  }

  /** The keys of the queues observed, for a caller that builds their signals a slice at a time. */
  queueKeys(): string[] {
    return [...this.queues.keys()];
  }

  /** The queues whose signal was not built at `now` (not read at this tick: their connection failed). */
  queueKeysNotBuilt(now: number): string[] {
    const out: string[] = [];
    // Over the states, not the entries: an entry is an array made per queue and tick, for nothing.
    for (const s of this.queues.values()) if (s.signalAt !== now) out.push(s.obs.key);
    return out;
  }

  /** Every queue's signal as built at `now`, in the order the queues were first seen (built now where it was not). */
  builtQueueSignals(now: number): QueueSignal[] {
    const out: QueueSignal[] = [];
    for (const s of this.queues.values()) out.push(s.signalAt === now && s.signal ? s.signal : this.queueSignal(s, now));
    return out;
  }

  /** The signals of some queues (a slice of queueKeys()): the sampler spreads 1000 queues over turns of the loop. */
  queueSignalsOf(now: number, keys: readonly string[]): QueueSignal[] {
    const out: QueueSignal[] = [];
    for (const k of keys) {
      const s = this.queues.get(k);
      if (s) out.push(this.queueSignal(s, now));
    }
    return out;
  }

  /** Every figure at `now`; `queues` when they were built already (queueSignalsOf). */
  signals(now = this.at, prebuilt?: QueueSignal[]): Signals {
    const queues = prebuilt ?? [...this.queues.values()].map((s) => this.queueSignal(s, now));
    const pools = [...this.pools.values()].map(({ obs, events }) => ({
      name: obs.name,
      tenant: this.poolTenant(obs.name),
      running: obs.running,
      restartsPerMin: events.filter((e) => e.t > now - 60_000).reduce((a, e) => a + e.n, 0),
      workers: obs.workers.map((w) => ({ id: w.id, state: w.state, cpu: w.cpu, memoryBytes: w.memoryBytes })),
    }));
    return { at: now, queues, systems: this.systemSignals(queues, now), pools, host: this.host, tenants: this.tenantSignals(queues, pools) };
  }

  /**
   * The findings: with hysteresis (each call is one sample of every rule), or `once` to evaluate
   * the current values alone (`chaperone check`).
   */
  evaluate(now = this.at, mode: 'hysteresis' | 'once' = 'hysteresis', signals?: Signals, prepared?: readonly RawBreach[]): Finding[] {
    const raw = prepared ?? this.breaches(signals ?? this.signals(now));
    if (mode === 'once') return raw.filter((b) => b.level !== 'ok').map((b) => materialize(b, b.level as Severity, now));
    const e = this.beginEvaluation(now);
    this.stepEvaluation(e, raw);
    return this.endEvaluation(e);
  }

  /**
   * One hysteresis sample of every rule, in slices (the sampler spreads 1000 queues' rules over
   * turns of the loop): begin, a step per slice of the rules' outcomes, then the end, which clears
   * what was not evaluated and returns the findings. evaluate() is the three at once.
   */
  beginEvaluation(now: number): Evaluation {
    return { now, id: ++this.evaluations, kept: 0, out: [], ranks: [] };
  }

  stepEvaluation(e: Evaluation, raw: readonly RawBreach[]): void {
    for (const b of raw) {
      if (b.subject.kind !== 'queue') {
        this.stepRule(e, b, MAX_ORDER + 1 + e.out.length);
        continue;
      }
      const q = this.queues.get(b.subject.id);
      // Its rules moved on outside observeQueues: what it kept as steady may no longer be.
      if (q) q.steady = undefined;
      this.stepRule(e, b, q?.order ?? MAX_ORDER);
    }
  }

  /**
   * Some queues' observations, each taken in one pass while its state is at hand: observed, its
   * signal built and its rules stepped in `e` (what observe, queueSignalsOf, queueBreaches and
   * stepEvaluation do one after the other). The sampler hands each part of the counts here as it
   * arrives, and gathers the signals built at the end (builtQueueSignals).
   */
  observeQueues(e: Evaluation, observed: readonly QueueObservation[]): void {
    this.at = e.now;
    const raw: RawBreach[] = [];
    for (const q of observed) {
      const s = this.observeQueue(e.now, q);
      if (!s) continue;
      const sig = this.queueSignal(s, e.now);
      const kept = s.steady;
      if (kept && sameRuleInputs(kept, sig)) {
        s.steadyIn = e.id;
        // The same findings as last time, in the same order: no rule, key or state is looked at.
        for (const f of kept.findings) {
          e.out.push(f);
          e.ranks.push(s.order);
        }
        e.kept += kept.findings.length;
        continue;
      }
      this.queueOutcomes(sig, raw, s);
      const first = e.out.length;
      let steady = true;
      for (let i = 0; i < raw.length; i++) steady = this.stepRule(e, raw[i], s.order, s) && steady;
      raw.length = 0;
      // Kept only for a queue that is not rising (its depth message and forecast follow the trend line).
      s.steady = steady && sig.direction !== 'rising' ? steadyRules(sig, s.rules, e.out.slice(first)) : undefined;
    }
  }

  /**
   * One rule's hysteresis sample; its finding (if shown) goes to e.out at `rank`. True when the
   * rule is steady: kept, with the same outcome, state and finding as at its last sample (or clear,
   * as before, with nothing kept).
   */
  private stepRule(e: Evaluation, b: RawBreach, rank: number, queue?: QueueState): boolean {
    const { breachAfter, clearAfter } = this.thresholds;
    let r = this.rules.get(b.key);
    const next = step(r?.h ?? INITIAL, b.level, breachAfter, clearAfter);
    // Only rules that differ from "all clear" are kept: the map holds what is breached or pending.
    if (next.active === 'ok' && next.pending === 'ok') {
      if (r) this.rules.delete(b.key);
      return !r;
    }
    const steady = r !== undefined && r.outcome === b && r.h === next;
    if (r) {
      r.h = next;
      r.evaluation = e.id;
      r.outcome = b;
    } else this.rules.set(b.key, (r = { h: next, evaluation: e.id, since: undefined, shown: undefined, outcome: b }));
    r.queue = queue;
    e.kept++;
    if (next.active === 'ok') {
      r.since = r.shown = undefined;
      return false;
    }
    r.since ??= e.now;
    const out = e.out;
    e.ranks.push(rank);
    // The finding shown last is kept while its figures are the same (no new strings per tick).
    const shown = r.shown;
    const detail = b.detail ?? '';
    if (shown && shown.level === next.active && shown.value === b.value && shown.limit === b.limit && shown.detail === detail) {
      out.push(shown.finding);
      return steady;
    }
    const finding = materialize(b, next.active, r.since);
    r.shown = { level: next.active, value: b.value, limit: b.limit, detail, finding };
    out.push(finding);
    return false;
  }

  endEvaluation(e: Evaluation): Finding[] {
    // Queues' findings first, in the order the queues were first seen (a stable order for views
    // that compare lists item by item), then the pools', workers', host's and tenants'. Steps come
    // in about that order already (a part of the counts after another): sorted only when not.
    const ranks = e.ranks;
    let sorted = true;
    for (let i = 1; sorted && i < ranks.length; i++) sorted = ranks[i] >= ranks[i - 1];
    if (!sorted) e.out = e.out.map((f, i) => ({ f, r: ranks[i], i })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.f);
    // A rule no longer evaluated (its subject is gone) counts as clear. Most ticks every kept rule
    // was evaluated, and nothing needs looking at.
    if (e.kept < this.rules.size) {
      for (const [key, r] of this.rules) {
        // A steady queue's rules were evaluated through their queue (observeQueues). Any other
        // rule of a queue ends its steadiness here: it is stepped below while its queue's are not.
        if (r.evaluation === e.id || r.queue?.steadyIn === e.id) continue;
        const next = step(r.h, 'ok', this.thresholds.breachAfter, this.thresholds.clearAfter);
        if (r.queue) r.queue.steady = undefined;
        if (next.active === 'ok' && next.count === 0) this.rules.delete(key);
        else {
          r.h = next;
          if (next.active === 'ok') r.since = r.shown = undefined;
        }
      }
    }
    return e.out;
  }

  // ---- observation ----

  private observeQueue(now: number, q: QueueObservation): QueueState | undefined {
    let s = this.queues.get(q.key);
    if (!s) {
      if (this.queues.size >= MAX_QUEUE_SERIES) return undefined;
      s = {
        order: this.queueOrder++, obs: q, seen: now,
        depth: this.lines.create(),
        depthHistory: this.histories.create(),
        waitSeries: `queue:${q.key}:wait`, systemKey: `${q.connection}/${q.ref.system}`,
        rules: this.rulesFor(q.id), ruleKeys: this.ruleKeysOf(q.key), tenant: tenantOfQueue(q, this.tenants),
        signal: undefined, signalAt: NaN, steadyIn: 0, steady: undefined, flowVersion: -1, flowWindow: undefined, flowFixed: undefined,
      };
      this.queues.set(q.key, s);
    }
    s.obs = q;
    s.seen = now;
    s.depth.add(now, q.pending);
    s.depthHistory.add(now, q.pending);
    // Wait history for the dashboard, bounded: queues with something pending, at most MAX_WAIT_SERIES of them.
    const waitSeries = s.waitSeries;
    const wait = q.pending === 0 ? 0 : q.oldestAgeMs;
    if (wait !== null && (this.series.has(waitSeries) || (q.pending > 0 && this.waitSeries < MAX_WAIT_SERIES))) {
      const had = this.series.has(waitSeries);
      this.record(waitSeries, now, wait);
      if (!had && this.series.has(waitSeries)) this.waitSeries++;
    }
    return s;
  }

  private observeFlow(now: number, r: FlowReading): void {
    const key = scopeKey(r.scope);
    // A scope the system keeps nothing for (1000 plain Laravel queues) gets no window: its reason only.
    if (r.kind === 'unknown' && !this.flows.has(key)) {
      const u = this.flowUnknown.get(key);
      if (u && u.why === r.why) u.seen = now;
      else if (u || this.flowUnknown.size < MAX_QUEUE_SERIES) {
        this.flowUnknown.set(key, { why: r.why, seen: now });
        this.flowScopes++;
      }
      return;
    }
    if (this.flowUnknown.delete(key)) this.flowScopes++;
    let f = this.flows.get(key);
    if (!f) {
      if (this.flows.size >= MAX_QUEUE_SERIES) return;
      this.flows.set(key, (f = { window: new FlowWindow(), seen: now }));
      this.flowScopes++;
    }
    f.seen = now;
    f.window.add(now, r);
  }

  /** A queue's flow: its own window; else why not (its own reason, or its system's: counted system-wide, or nothing kept). */
  private flowOf(st: QueueState, now: number): FlowFigures {
    // Where the figures come from is looked up again only after the scopes changed (a few map
    // lookups per queue and tick, otherwise).
    if (st.flowVersion !== this.flowScopes) {
      st.flowVersion = this.flowScopes;
      st.flowWindow = this.flows.get(st.obs.key)?.window;
      st.flowFixed = st.flowWindow ? undefined : this.unknownFlowOf(st);
    }
    return st.flowWindow ? st.flowWindow.figures(now) : (st.flowFixed as FlowFigures);
  }

  /** Why a queue without a window of its own has no flow figures: its own reason, or its system's (counted system-wide, or nothing kept). */
  private unknownFlowOf(st: QueueState): FlowFigures {
    const q = st.obs;
    const own = this.flowUnknown.get(q.key);
    if (own) return unknownFlow(own.why);
    if (this.flows.has(st.systemKey)) return unknownFlow(SYSTEM_WIDE[q.ref.system]);
    return unknownFlow(this.flowUnknown.get(st.systemKey)?.why ?? 'not read yet');
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
    // A gap in the pool's history while a running worker has no sample yet: a partial sum is no point.
    for (const [what, series] of [['cpu', 'cpu'], ['memoryBytes', 'memory']] as const) {
      const total = usagePoint(poolUsage(p.workers, what));
      if (total !== undefined) this.record(`pool:${p.name}:${series}`, now, total);
    }
  }

  private record(name: string, now: number, v: number): void {
    let s = this.series.get(name);
    if (!s) {
      if (this.series.size >= MAX_QUEUE_SERIES) return;
      this.series.set(name, (s = { history: this.histories.create(), seen: now }));
    }
    s.seen = now;
    s.history.add(now, v);
  }

  private forget(now: number): void {
    for (const [k, s] of this.queues) {
      if (now - s.seen <= FORGET_AFTER_MS) continue;
      this.queues.delete(k);
      this.histories.release(s.depthHistory);
      this.lines.release(s.depth);
    }
    for (const [k, s] of this.pools) if (now - s.seen > FORGET_AFTER_MS) this.pools.delete(k);
    for (const [k, s] of this.series) {
      if (now - s.seen <= FORGET_AFTER_MS) continue;
      this.series.delete(k);
      this.histories.release(s.history);
      if (k.endsWith(':wait')) this.waitSeries--;
    }
    for (const [k, s] of this.flows) {
      if (now - s.seen <= FORGET_AFTER_MS) continue;
      this.flows.delete(k);
      this.flowScopes++;
    }
    for (const [k, s] of this.flowUnknown) {
      if (now - s.seen <= FORGET_AFTER_MS) continue;
      this.flowUnknown.delete(k);
      this.flowScopes++;
    }
  }

  // ---- derived figures ----

  private queueSignal(s: QueueState, now: number): QueueSignal {
    const q = s.obs;
    s.depth.expire(now);
    const trend = s.depth.result();
    const flow = this.flowOf(s, now);
    const system = q.ref.system;
    const wait = q.pending === 0 ? NOTHING_PENDING : q.oldestAgeMs !== null ? known(q.oldestAgeMs, 'exact', WAIT_SOURCE[system]) : WAIT_UNKNOWN[system];
    const runtime = q.runtimeMs !== null ? known(q.runtimeMs, 'sampled', MEAN_SOURCE[system]) : flow.runtimeP50;
    const rt = valueOf(flow.runtimeP50) ?? q.runtimeMs;
    let expectedWait: Figure;
    if (q.pending === 0) expectedWait = NOTHING_PENDING;
    else if (rt === null || rt === undefined) expectedWait = runtimeUnknown(runtime.source);
    else if (q.consumers === null) expectedWait = unknownOnce('the consumers are unknown');
    else if (q.consumers === 0) expectedWait = unknownOnce('no consumer');
    else expectedWait = known((q.pending * rt) / q.consumers, 'estimate', `pending ${q.pending} x runtime ${formatDuration(rt)} / ${q.consumers} consumer${q.consumers === 1 ? '' : 's'}`);
    // The arrow follows the fitted slope over the trend window (the same line the view and `trends` show).
    const dir = trend ? direction(trend, ARROW_OVER) : 'stable';
    const signal = new QueueSignalOf(q, s.tenant, wait, flow, runtime, expectedWait, trend, dir, trend && dir === 'falling' ? timeToDrain(trend) : undefined);
    s.signal = signal;
    s.signalAt = now;
    return signal;
  }

  /** Per system and connection: sums of its queues at this tick, and its flow (its own, or the sum of its queues'). */
  private systemSignals(queues: readonly QueueSignal[], now: number): SystemSignal[] {
    // One pass, summing as it goes; systems are found by connection then system name (no key
    // string is built per queue and tick).
    const byConnection = new Map<string, Map<SystemName, SystemSums>>();
    const order: SystemSums[] = [];
    for (const q of queues) {
      let systems = byConnection.get(q.connection);
      if (!systems) byConnection.set(q.connection, (systems = new Map()));
      let x = systems.get(q.ref.system);
      if (!x) {
        systems.set(q.ref.system, (x = newSums(q)));
        order.push(x);
      }
      x.add(q);
    }
    return order.map((x) => {
      const key = `${x.connection}/${x.system}`;
      const own = this.flows.get(key);
      return { key, system: x.system, connection: x.connection, queues: x.queues, pending: x.pending, delayed: x.delayed, active: x.active, failed: x.failed, ...(own ? own.window.figures(now) : x.flow()) };
    });
  }

  private poolTenant(pool: string): string | undefined {
    const cfg = this.poolConfigs.find((p) => p.name === pool);
    return cfg ? tenantOfPool(cfg, this.tenants) : this.tenants.pools[pool];
  }

  private tenantSignals(queues: QueueSignal[], pools: PoolSignal[]): TenantSignal[] {
    const total = queues.reduce((a, q) => a + q.pending, 0);
    const by = new Map<string, TenantSignal & { variance: number; sampled: string[] }>();
    const get = (t: string) => {
      let x = by.get(t);
      if (!x) by.set(t, (x = { tenant: t, pending: 0, throughput: known(0, 'exact', 'its queues'), failed: 0, workers: 0, backlogShare: unknown('nothing pending'), shareErrorPct: 0, queues: [], pools: [], variance: 0, sampled: [] }));
      return x;
    };
    for (const q of queues) {
      if (q.tenant) {
        const t = get(q.tenant);
        t.pending += q.pending;
        t.throughput = sumFigures([t.throughput, q.throughput], 'its queues');
        t.failed += q.failed;
        t.queues.push(q.key);
      } else if (q.tenantSample) {
        // A shared queue: each tenant gets its part of the pending jobs; throughput and failures are not split.
        for (const [tenant, part] of tenantParts(q.tenantSample, q.pending)) {
          const t = get(tenant);
          t.pending += part.pending;
          t.variance += part.variance;
          if (part.variance > 0) t.sampled.push(`${q.id}: ${q.tenantSample.which} of ${q.tenantSample.ofPending}`);
          t.queues.push(q.key);
          t.throughput = unknown('shared queues: throughput is not split by tenant');
        }
      }
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
    return [...by.values()].sort((a, b) => a.tenant.localeCompare(b.tenant)).map(({ variance, sampled, ...t }) => {
      const share = total > 0 ? (t.pending / total) * 100 : 0;
      const err = total > 0 ? (Z95 * Math.sqrt(variance) * 100) / total : 0;
      const backlogShare = total === 0 ? unknown('nothing pending') : sampled.length ? known(share, 'sampled', 'tenants.payloadField', `±${fmtNum(err)} points (95 %), from ${sampled.join('; ')}`) : known(share, 'exact', 'tenants');
      return { ...t, pending: Math.round(t.pending), backlogShare, shareErrorPct: err };
    });
  }

  // ---- rules ----

  private rulesFor(id: string): QueueRulesResolved {
    let r = this.resolved.get(id);
    if (!r) {
      const T = this.thresholds.queues;
      const pick = <K extends keyof QueueRules>(k: K) => mostSpecific(T, id, (x) => x[k] !== undefined)?.[k];
      r = {
        depth: pick('depth'), wait: pick('wait'), expectedWait: pick('expectedWait'), failureRate: pick('failureRate'), forecast: pick('forecast'), zeroConsumers: pick('zeroConsumers'),
        related: this.poolConfigs.filter((p) => p.queues.includes(id) && p.range).map((p) => ({ message: `pool "${p.name}" serves ${id}`, range: p.range as SourceRange })),
      };
      if (this.resolved.size < MAX_QUEUE_SERIES) this.resolved.set(id, r);
    }
    return r;
  }

  /**
   * The rules' outcomes for some of the queues (a slice of sig.queues), and with `rest` those of the
   * pools, workers, host and tenants: evaluate() takes them all, the sampler builds them over turns.
   */
  breachesOf(sig: Signals, queues: readonly QueueSignal[], rest: boolean): RawBreach[] {
    return this.breaches(sig, queues, rest);
  }

  /** The rules' outcomes for some queues alone (a part of them, as the sampler gets their counts). */
  queueBreaches(queues: readonly QueueSignal[]): RawBreach[] {
    return this.breaches(undefined, queues, false);
  }

  /**
   * One queue's rule outcomes, added to `out`. An outcome of "ok" for a rule with no state (clear,
   * and nothing pending) is left out: it would change nothing, and most rules of most queues are
   * clear at most ticks. Keys and subjects are built once per queue.
   */
  private queueOutcomes(q: QueueSignal, out: RawBreach[], s = this.queues.get(q.key)): void {
    // No closure is made here, whatever the outcome: a closure over this function's variables
    // would cost an allocation per queue and rule at every tick. Messages are built by the
    // describe* functions, and only for a finding shown anew.
    const rules = s?.rules ?? this.rulesFor(q.id);
    const k = s?.ruleKeys ?? this.ruleKeysOf(q.key);
    const related = rules.related.length ? rules.related : undefined;
    const depth = rules.depth;
    if (depth) {
      const b = this.outcome(k.depth, k.subject, 'depth', q.pending, depth, related, q.direction === 'rising' && q.slopePerMin > 0 ? fmtNum(q.slopePerMin) : '', q, describeDepth, depth);
      if (b) out.push(b);
    }
    for (let i = 0; i < QUEUE_LEVEL_RULES.length; i++) {
      const r = QUEUE_LEVEL_RULES[i];
      const l = rules[r.metric];
      const value = l ? r.value(q) : null;
      if (l && value !== null) {
        const b = this.outcome(k[r.metric], k.subject, r.metric, value, l, related, undefined, q, describeLevel, r);
        if (b) out.push(b);
      }
    }
    const fc = rules.forecast;
    if (fc) {
      const found = q.trend && q.direction === 'rising' ? forecastOutcome(q, fc, k, related) : undefined;
      if (found) out.push(found);
      else if (this.rules.has(k.forecast)) out.push({ key: k.forecast, level: 'ok', severity: 'warning', subject: k.subject, metric: 'forecast', value: q.pending, limit: 0, message: describeNothing, range: fc.range });
    }
    if (q.consumers !== null) {
      const zc = rules.zeroConsumers;
      const level = q.pending > 0 && q.consumers === 0 && !q.paused ? severityOf(zc?.severity, RULE_DEFAULTS.zeroConsumers) : 'ok';
      const last = this.rules.get(k.zeroConsumers)?.outcome;
      // The last outcome again while it says the same (its queue can then be steady).
      if (last && last.level === level && last.value === q.pending && last.range === zc?.range && last.related === related) out.push(last);
      else if (level !== 'ok' || last) out.push(zeroConsumersOutcome(q, level, k, zc?.range, related));
    }
  }

  /**
   * A level rule's outcome; undefined where it is "ok" and the rule has no state to clear. While
   * its figures stay the same, the outcome of the last tick is given again (no new object, and no
   * message made: a message is built only for a finding that is shown anew).
   */
  private outcome<A>(key: string, subject: RawBreach['subject'], metric: string, value: number, l: { warning?: number; critical?: number; range?: SourceRange }, related: Finding['related'], detail: string | undefined, q: QueueSignal, describe: Describe<A>, arg: A): RawBreach | undefined {
    const level: Level = l.critical !== undefined && value > l.critical ? 'critical' : l.warning !== undefined && value > l.warning ? 'warning' : 'ok';
    const limit = level === 'critical' ? (l.critical as number) : level === 'warning' ? (l.warning as number) : (l.warning ?? l.critical ?? 0);
    const r = this.rules.get(key);
    if (level === 'ok' && !r) return undefined;
    const last = r?.outcome;
    if (last && last.level === level && last.value === value && last.limit === limit && last.detail === detail && last.range === l.range && last.related === related) return last;
    return levelOutcome(key, level, subject, metric, value, limit, l.range, related, detail, q, describe, arg);
  }

  /** A queue's rule keys and subject, built once. */
  private ruleKeysOf(queueKey: string): QueueRuleKeys {
    let k = this.ruleKeys.get(queueKey);
    if (!k) {
      const key = (metric: string) => `queue:${queueKey}:${metric}`;
      k = { subject: { kind: 'queue', id: queueKey }, depth: key('depth'), wait: key('wait'), expectedWait: key('expectedWait'), failureRate: key('failureRate'), forecast: key('forecast'), zeroConsumers: key('zeroConsumers') };
      if (this.ruleKeys.size >= MAX_QUEUE_SERIES) this.ruleKeys.clear();
      this.ruleKeys.set(queueKey, k);
    }
    return k;
  }

  private breaches(sig: Signals | undefined, queues: readonly QueueSignal[] = sig?.queues ?? [], rest = true): RawBreach[] {
    const out: RawBreach[] = [];
    const push = (kind: SubjectKind, id: string, metric: string, value: number, l: { warning?: number; critical?: number; range?: SourceRange } | undefined, message: (limit: number) => string, related?: Finding['related']) => {
      if (!l) return;
      const { level, limit } = levelOf(value, l);
      out.push({ key: `${kind}:${id}:${metric}`, level, severity: level === 'ok' ? 'warning' : level, subject: { kind, id }, metric, value, limit, message: () => message(limit), range: l.range, related });
    };
    const T = this.thresholds;
    for (const q of queues) this.queueOutcomes(q, out);
    if (!rest || !sig) return out;
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
      // Only a share that is over the level beyond its sampling error counts: the rule sees the low end.
      const low = t.backlogShare.value === null ? null : Math.max(0, t.backlogShare.value - t.shareErrorPct);
      if (sig.tenants.length > 1 && low !== null && t.backlogShare.value !== null) {
        const v = t.backlogShare.value;
        push('tenant', t.tenant, 'backlogShare', low, share, (limit) => `tenant ${t.tenant} holds ${t.shareErrorPct > 0 ? `${fmtNum(v)}% ±${fmtNum(t.shareErrorPct)}` : `${fmtNum(v)}%`} of the backlog (${t.pending} jobs) > ${limit}%: a noisy neighbour`);
      }
      if (t.quota) {
        const q = this.tenants.quotas[t.tenant];
        push('tenant', t.tenant, 'quotaUse', t.quota.usePct, rule('quotaUse') ?? { critical: RULE_DEFAULTS.quotaUseCritical, range: q?.range }, (limit) => `tenant ${t.tenant} runs ${t.workers} of its ${t.quota?.maxWorkers} workers (${fmtNum(t.quota?.usePct ?? 0)}% > ${limit}%)`);
      }
    }
    return out;
  }
}

/** A system's sums over its queues, taken in one pass (systemSignals). */
interface SystemSums extends Pick<SystemSignal, 'system' | 'connection' | 'queues' | 'pending' | 'delayed' | 'active' | 'failed'> {
  add(q: QueueSignal): void;
  /** Its flow from its queues' (where it has none of its own): as sumFigures sums throughput, and the failure rate weighted by it. */
  flow(): Pick<SystemSignal, 'throughput' | 'failureRate' | 'runtimeP50' | 'runtimeP95'>;
}

const PRECISION_RANK: Record<Precision, number> = { exact: 0, sampled: 1, estimate: 2, 'lower-bound': 3 };
const RANKED: readonly Precision[] = ['exact', 'sampled', 'estimate', 'lower-bound'];
const PER_QUEUE_ONLY = unknown('per queue only (see each queue)');
const NO_FAILURES_TOLD = unknown('no queue of it tells failures over the last minute');

function newSums(first: QueueSignal): SystemSums {
  let known_ = 0;
  let total = 0;
  let worst = 0;
  let firstSource: string | undefined;
  let rated = 0;
  let finished = 0;
  let weighted = 0;
  const x: SystemSums = {
    system: first.ref.system, connection: first.connection, queues: 0, pending: 0, delayed: 0, active: 0, failed: 0,
    add(q) {
      x.queues++;
      x.pending += q.pending;
      x.delayed += q.delayed;
      x.active += q.active;
      x.failed += q.failed;
      const t = q.throughput;
      firstSource ??= t.source;
      if (t.value !== null) {
        known_++;
        total += t.value;
        worst = Math.max(worst, PRECISION_RANK[t.precision]);
        if (q.failureRate.value !== null) {
          rated++;
          finished += t.value;
          weighted += q.failureRate.value * t.value;
        }
      }
    },
    flow() {
      const n = x.queues;
      const source = `the sum of its ${n} queue${n === 1 ? '' : 's'}`;
      const throughput = known_ === 0 ? unknownOnce(firstSource ?? source) : known_ < n ? known(total, 'lower-bound', source, `${n - known_} of ${n} unknown`) : known(total, RANKED[worst], source);
      const failureRate = rated === 0 || finished <= 0 ? NO_FAILURES_TOLD : known(weighted / finished, rated === n ? 'exact' : 'estimate', 'its queues, weighted by throughput');
      return { throughput, failureRate, runtimeP50: PER_QUEUE_ONLY, runtimeP95: PER_QUEUE_ONLY };
    },
  };
  return x;
}

// ---- figures that repeat across queues and ticks: built once (a tick over 1000 queues allocates little) ----

const perSystem = <T>(f: (s: SystemName) => T): Record<SystemName, T> => Object.fromEntries(SYSTEM_NAMES.map((s) => [s, f(s)])) as Record<SystemName, T>;
const NOTHING_PENDING = known(0, 'exact', 'nothing pending');
const WAIT_SOURCE = perSystem((s) => `${s}: the oldest pending job's enqueue time`);
const MEAN_SOURCE = perSystem((s) => `${s}: mean of recent jobs`);
const WAIT_UNKNOWN = perSystem((s) => unknown(`${s} does not record when a pending job was enqueued`));
const SYSTEM_WIDE = perSystem((s) => `${s} counts finished jobs system-wide only (see the ${s} row)`);
const UNKNOWN_BY_REASON = new Map<string, Figure>();
const UNKNOWN_FLOWS = new Map<string, FlowFigures>();

/** One unknown figure per reason, shared (the reasons are few: one per system and cause). */
function unknownOnce(why: string): Figure {
  let f = UNKNOWN_BY_REASON.get(why);
  if (!f) {
    f = unknown(why);
    if (UNKNOWN_BY_REASON.size < 1000) UNKNOWN_BY_REASON.set(why, f);
  }
  return f;
}

const RUNTIME_UNKNOWN = new Map<string, Figure>();

/** The expected wait where the runtime is unknown, one per reason (no string built per queue and tick). */
function runtimeUnknown(source: string): Figure {
  let f = RUNTIME_UNKNOWN.get(source);
  if (!f) {
    f = unknownOnce(`the runtime is unknown (${source})`);
    if (RUNTIME_UNKNOWN.size < 1000) RUNTIME_UNKNOWN.set(source, f);
  }
  return f;
}

function unknownFlow(why: string): FlowFigures {
  let f = UNKNOWN_FLOWS.get(why);
  if (!f) {
    const u = unknownOnce(why);
    f = { throughput: u, failureRate: u, runtimeP50: u, runtimeP95: u, totals: { since: NaN, completed: 0, failed: 0 }, lastHour: { runs: u, failed: u } };
    if (UNKNOWN_FLOWS.size < 1000) UNKNOWN_FLOWS.set(why, f);
  }
  return f;
}

// ---- the rules as data: a figure, the rule it is held to, what the finding says ----

/** What applies where chaperone.json names no rule (test/unit/config-defaults.test.ts checks the schema says the same). */
export const RULE_DEFAULTS = { zeroConsumers: 'warning', fatal: 'critical', quotaUseCritical: 100 } as const;

/** Level rules on a queue's figures (depth has its own: its message says where it is heading). Only known figures are held to a rule. */
const QUEUE_LEVEL_RULES: readonly { metric: 'wait' | 'expectedWait' | 'failureRate'; value: (q: QueueSignal) => number | null; message: (name: string, q: QueueSignal, value: number, limit: number) => string }[] = [
  { metric: 'wait', value: (q) => q.wait.value, message: (name, _q, v, limit) => `${name} oldest pending job has waited ${formatDuration(v)} > ${formatDuration(limit)}` },
  { metric: 'expectedWait', value: (q) => q.expectedWait.value, message: (name, q, v, limit) => `${name} expected wait ~${formatDuration(v)} > ${formatDuration(limit)} (${q.expectedWait.source})` },
  {
    metric: 'failureRate', value: (q) => q.failureRate.value,
    message: (name, q, v, limit) => `${name} ${q.failureRate.precision === 'exact' ? '' : '~'}${fmtNum(v)}% of finished jobs failed > ${limit}% (${q.failureRate.value === null ? '' : (q.failureRate.note ?? q.failureRate.source)})`,
  },
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

/** A queue rule's message from its queue, value and limit (and what else the rule needs). */
type Describe<A> = (q: QueueSignal, value: number, limit: number, arg: A) => string;

function levelOutcome<A>(key: string, level: Level, subject: RawBreach['subject'], metric: string, value: number, limit: number, range: SourceRange | undefined, related: Finding['related'], detail: string | undefined, q: QueueSignal, describe: Describe<A>, arg: A): RawBreach {
  return { key, level, severity: level === 'ok' ? 'warning' : level, subject, metric, value, limit, message: () => describe(q, value, limit, arg), range, related, detail };
}

const describeNothing = (): string => '';

const describeDepth: Describe<NonNullable<QueueRules['depth']>> = (q, _value, limit, depth) => {
  let m = `${queueLabel(q)} depth ${q.pending} > ${limit}`;
  const rising = q.direction === 'rising' ? q.slopePerMin : 0;
  if (rising > 0 && q.trend) {
    const next = depth.critical !== undefined && q.pending <= depth.critical ? depth.critical : undefined;
    const eta = next !== undefined ? timeToCross(q.trend, next) : undefined;
    m += `; at +${fmtNum(rising)}/min${eta !== undefined ? ` it reaches ${next} in ${formatEta(eta)}` : ''}`;
  }
  return m;
};

const describeLevel: Describe<(typeof QUEUE_LEVEL_RULES)[number]> = (q, value, limit, r) => r.message(queueLabel(q), q, value, limit);

/** The forecast rule's outcome for a rising queue: the first level it reaches within the rule's time; undefined where none. */
function forecastOutcome(q: QueueSignal, fc: NonNullable<QueueRules['forecast']>, k: QueueRuleKeys, related: Finding['related']): RawBreach | undefined {
  if (!q.trend) return undefined;
  for (const sev of ['critical', 'warning'] as const) {
    const target = fc[sev];
    if (target === undefined) continue;
    const eta = timeToCross(q.trend, target);
    if (eta !== undefined && eta <= fc.withinMs && q.pending < target) {
      return { key: k.forecast, level: sev, severity: sev, subject: k.subject, metric: 'forecast', value: q.pending, limit: target, range: fc.range, related,
        message: () => `${queueLabel(q)} depth ${q.pending} rising +${fmtNum(q.slopePerMin)}/min reaches ${target} in ${formatEta(eta)} (within ${formatEta(fc.withinMs)})` };
    }
  }
  return undefined;
}

function zeroConsumersOutcome(q: QueueSignal, level: Level, k: QueueRuleKeys, range: SourceRange | undefined, related: Finding['related']): RawBreach {
  return { key: k.zeroConsumers, level, severity: level === 'ok' ? 'warning' : level, subject: k.subject, metric: 'zeroConsumers', value: q.pending, limit: 0, range, related,
    message: () => `${queueLabel(q)} has ${q.pending} pending job${q.pending === 1 ? '' : 's'} and no consumer` };
}

function steadyRules(q: QueueSignal, rules: QueueRulesResolved, findings: Finding[]): SteadyRules {
  return {
    pending: q.pending, direction: q.direction,
    wait: rules.wait ? q.wait.value : undefined,
    expectedWait: rules.expectedWait ? q.expectedWait.value : undefined,
    failureRate: rules.failureRate ? q.failureRate.value : undefined,
    consumers: q.consumers, paused: q.paused, findings,
  };
}

/** Whether a queue's rules would read the same figures as when it was steady. */
function sameRuleInputs(k: SteadyRules, q: QueueSignal): boolean {
  return k.pending === q.pending && k.direction === q.direction && k.consumers === q.consumers && k.paused === q.paused
    && (k.wait === undefined || k.wait === q.wait.value)
    && (k.expectedWait === undefined || k.expectedWait === q.expectedWait.value)
    && (k.failureRate === undefined || k.failureRate === q.failureRate.value);
}

function materialize(b: RawBreach, severity: Severity, since: number): Finding {
  // A rule with no place in chaperone.json is one the user did not write.
  const f: Finding = { key: b.key, severity, subject: b.subject, metric: b.metric, value: b.value, limit: b.limit, message: b.message(), builtIn: !b.range, since };
  if (b.range) f.range = b.range;
  if (b.related) f.related = b.related;
  return f;
}

/** Whole numbers from 10 up, one decimal below (without a trailing ".0"). */
function fmtNum(n: number): string {
  return Math.abs(n) >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}
