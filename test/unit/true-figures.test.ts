// The pure parts of "every figure true or says it is not": flow windows (gaps, source changes),
// sums of figures, tenant shares with their sampling error, totals equal to their parts, trend
// arrows that follow the fitted slope, built-in rules that never alarm at once, rows that hold still,
// and time-axis labels that are distinct at every range.
import { strict as assert } from 'node:assert';
import { parseConfigText } from '../../src/core/config/parse-config';
import { known, sumFigures, unknown } from '../../src/core/signals/figure';
import { alerting, BUILT_IN_SUSTAINED_MS, type Finding } from '../../src/core/signals/findings';
import { FlowWindow, type FlowReading } from '../../src/core/signals/flow';
import type { QueueObservation } from '../../src/core/signals/observations';
import { SignalsEngine } from '../../src/core/signals/signals-engine';
import { tenantParts } from '../../src/core/signals/tenant-shares';
import { queueRef, type QueueRef } from '../../src/core/queue-ref';
import { coarseDuration, queueDescription, queueLabel } from '../../src/host/views/queue-row';
import { RANGE_MS, RANGES } from '../../src/protocol/dashboard';
import { timeLabel, timeTicks } from '../../src/protocol/time-axis';

const T0 = 1_796_000_000_000;
const ref = queueRef('bullmq', 'default', 'mail');
const delta = (completed: number, failed: number | null, extra: { lost?: number | null; source?: string; runtimesMs?: number[] } = {}): FlowReading => ({
  scope: { kind: 'queue', ref }, source: extra.source ?? 'test', kind: 'delta', counts: { completed, failed, runtimesMs: extra.runtimesMs ?? [], ...(extra.lost !== undefined ? { lost: extra.lost } : {}) },
});
const baseline: FlowReading = { scope: { kind: 'queue', ref }, source: 'test', kind: 'baseline' };

function engineFor(json: object) {
  const { config } = parseConfigText(JSON.stringify(json), '/w/chaperone.json');
  return new SignalsEngine(config.thresholds, config.tenants, config.signals, config.pools);
}

const obs = (r: QueueRef, over: Partial<QueueObservation> = {}): QueueObservation => ({
  ref: r, key: `${r.connection}/${r.id}`, id: r.id, connection: r.connection, pending: 0, delayed: 0, active: 0, failed: 0, oldestAgeMs: null, runtimeMs: null, consumers: null, paused: false, ...over,
});

describe('true figures: what finished, over a window', () => {
  it('a baseline first, then the rate of the readings over their span (never of counts)', () => {
    const w = new FlowWindow();
    assert.equal(w.figures(T0).throughput.value, null);
    w.add(T0, baseline);
    assert.match(w.figures(T0).throughput.source, /measuring/);
    for (let i = 1; i <= 30; i++) w.add(T0 + i * 1000, delta(8, 2));
    const f = w.figures(T0 + 30_000);
    assert.deepEqual([f.throughput.value, f.throughput.precision, f.failureRate.value], [600, 'exact', 20]);
    assert.deepEqual(f.totals, { since: T0, completed: 240, failed: 60 });
  });

  it('the last hour: a lower bound until an hour has been read, exact after, minutes older than the hour left out', () => {
    const w = new FlowWindow();
    w.add(T0, baseline);
    for (let i = 1; i <= 30; i++) w.add(T0 + i * 60_000, delta(10, 1)); // half an hour, a reading a minute
    const half = w.figures(T0 + 30 * 60_000).lastHour;
    assert.deepEqual([half.runs.value, half.runs.precision, half.failed.value], [330, 'lower-bound', 30]);
    assert.match(half.runs.value !== null ? (half.runs.note ?? '') : '', /read since \d\d:\d\d UTC/);
    for (let i = 31; i <= 100; i++) w.add(T0 + i * 60_000, delta(10, 1));
    const hour = w.figures(T0 + 100 * 60_000).lastHour;
    assert.deepEqual([hour.runs.value, hour.runs.precision, hour.failed.value], [660, 'exact', 60], 'the last 60 minutes, each 11 runs');
  });

  it('a gap makes the throughput a lower bound and says how many records were lost; an unsized one says so too', () => {
    const w = new FlowWindow();
    w.add(T0, baseline);
    w.add(T0 + 1000, delta(10, 0, { lost: 1161 }));
    const f = w.figures(T0 + 1000);
    assert.equal(f.throughput.precision, 'lower-bound');
    assert.match(f.throughput.value === null ? '' : (f.throughput.note ?? ''), /dropped 1161 records/);
    assert.equal(f.failureRate.precision, 'estimate');
    w.add(T0 + 2000, delta(1, 0, { lost: null }));
    const unsized = w.figures(T0 + 2000).throughput;
    assert.match(unsized.value === null ? '' : (unsized.note ?? ''), /dropped records/);
  });

  it('failures unknown where the source cannot tell them (Celery heartbeats); a new source starts the window again', () => {
    const w = new FlowWindow();
    w.add(T0, { ...baseline, source: 'heartbeats' });
    w.add(T0 + 1000, delta(5, null, { source: 'heartbeats' }));
    assert.match(w.figures(T0 + 1000).failureRate.source, /does not tell failures apart/);
    w.add(T0 + 2000, delta(4, 1, { source: 'task events' }));
    const f = w.figures(T0 + 2000);
    assert.deepEqual([f.failureRate.value, f.throughput.source], [20, 'task events']);
  });


  it('a batched counter (Sidekiq writes its stats every 5 s): the rate is over the readings where it moved, and silence past two batches is nothing finished', () => {
    // 20 jobs a second, written as 100 every 5 s, read every 700 ms: from two arbitrary readings the
    // rate is off by up to a batch in twelve; between the batches it is the load's.
    const batched = (completed: number): FlowReading => ({ scope: { kind: 'queue', ref }, source: 'test', kind: 'delta', counts: { completed, failed: 0, runtimesMs: [] }, batchedEveryMs: 5000 });
    const w = new FlowWindow();
    w.add(T0, baseline);
    let written = 0;
    for (let t = 700; t <= 63_700; t += 700) {
      const due = Math.floor(t / 5000) - Math.floor((t - 700) / 5000);
      w.add(T0 + t, batched(due * 100));
      written += due * 100;
    }
    const f = w.figures(T0 + 63_700);
    assert.ok(Math.abs((f.throughput.value ?? 0) - 1200) <= 1200 * 0.02, `throughput ${f.throughput.value}`);
    assert.equal(f.totals.completed, written);
    // The load stops: within two batches the figure holds, then the silence is counted.
    w.add(T0 + 70_000, batched(0));
    const held = w.figures(T0 + 70_000).throughput.value ?? 0;
    assert.ok(Math.abs(held - 1200) <= 1200 * 0.02, `held ${held}`);
    w.add(T0 + 80_000, batched(0));
    assert.ok((w.figures(T0 + 80_000).throughput.value ?? 0) < 1000);
  });
  it('runtime percentiles over the last 5 minutes, unknown (with the reason) when jobs finished but kept no times', () => {
    const w = new FlowWindow();
    w.add(T0, baseline);
    w.add(T0 + 1000, delta(100, 0, { runtimesMs: Array.from({ length: 100 }, (_, i) => i + 1) }));
    const f = w.figures(T0 + 1000);
    assert.deepEqual([f.runtimeP50.value, f.runtimeP95.value, f.runtimeP50.precision], [50, 95, 'sampled']);
    const later = w.figures(T0 + 6 * 60_000);
    assert.equal(later.runtimeP50.value, null);
    const removed = new FlowWindow();
    removed.add(T0, baseline);
    removed.add(T0 + 1000, delta(5, 0));
    assert.match(removed.figures(T0 + 1000).runtimeP50.source, /kept no start and end times/);
  });

  it('a sum is exact only when every part is: unknown parts make it a lower bound, never a 0', () => {
    assert.deepEqual(sumFigures([known(2, 'exact', 'a'), known(3, 'exact', 'b')], 'all'), { value: 5, precision: 'exact', source: 'all' });
    const partial = sumFigures([known(2, 'exact', 'a'), unknown('plain Laravel')], 'all');
    assert.deepEqual([partial.value, partial.precision], [2, 'lower-bound']);
    assert.equal(sumFigures([unknown('plain Laravel')], 'all').value, null);
  });
});

describe('true figures: the engine', () => {
  it('a system row is the sum of its queues at the same tick; its flow is its own where it counts system-wide', () => {
    const engine = engineFor({});
    const a = queueRef('sidekiq', 'default', 'a');
    const b = queueRef('sidekiq', 'default', 'b');
    const sys = { kind: 'system' as const, system: 'sidekiq' as const, connection: 'default' };
    engine.observe(T0, { queues: [obs(a, { pending: 97 }), obs(b, { pending: 0 })], flows: [{ scope: sys, source: 'stats', kind: 'baseline' }], pools: [] });
    engine.observe(T0 + 1000, { queues: [obs(a, { pending: 0 }), obs(b, { pending: 339 })], flows: [{ scope: sys, source: 'stats', kind: 'delta', counts: { completed: 9, failed: 1, runtimesMs: [] } }], pools: [] });
    const s = engine.signals(T0 + 1000);
    const [row] = s.systems;
    assert.equal(row.pending, s.queues.reduce((n, q) => n + q.pending, 0));
    assert.equal(row.pending, 339);
    assert.deepEqual([row.throughput.value, row.failureRate.value], [600, 10]);
    assert.equal(s.queues[0].throughput.value, null, 'per queue: not split from a system-wide count');
  });

  it('wait is the age of the oldest pending job (known or unknown, never a guess); the expected wait is named an estimate', () => {
    const engine = engineFor({});
    const a = queueRef('bullmq', 'default', 'a');
    const c = queueRef('celery', 'default', 'c');
    engine.observe(T0, { queues: [obs(a, { pending: 10, oldestAgeMs: 42_000, runtimeMs: 200, consumers: 2 }), obs(c, { pending: 5 })], pools: [] });
    const [qa, qc] = engine.signals(T0).queues;
    assert.deepEqual([qa.wait.value, qa.wait.precision], [42_000, 'exact']);
    assert.deepEqual([qa.expectedWait.value, qa.expectedWait.precision], [1000, 'estimate']);
    assert.equal(qc.wait.value, null);
    assert.match(qc.wait.source, /does not record when a pending job was enqueued/);
  });

  it('the trend arrow follows the fitted slope: a growing queue with a sawtooth (bursts in, steady drain) rises', () => {
    const engine = engineFor({});
    const a = queueRef('bullmq', 'default', 'a');
    for (let i = 0; i <= 300; i++) engine.observe(T0 + i * 1000, { queues: [obs(a, { pending: 100 + i + ((i % 20) < 10 ? 30 : -30) })], pools: [] });
    const [q] = engine.signals(T0 + 300_000).queues;
    assert.ok(q.slopePerMin > 0, `slope ${q.slopePerMin}`);
    assert.equal(q.direction, 'rising');
    assert.match(queueDescription(q), /↗/);
  });

  it('tenants: three tenants at a third each in a sampled queue show a third each, with the error; no noisy neighbour', () => {
    const engine = engineFor({ tenants: { payloadField: 'tenant_id' }, thresholds: { hysteresis: { breachAfter: 1 } } });
    const a = queueRef('bullmq', 'default', 'shared');
    const sample = { counts: { acme: 134, globex: 133, initech: 133 }, sampled: 400, ofPending: 9000, which: '400 pending jobs as the system lists them' };
    for (let i = 0; i < 3; i++) engine.observe(T0 + i * 1000, { queues: [obs(a, { pending: 9000, tenantSample: sample })], pools: [] });
    const t = engine.signals(T0 + 2000).tenants;
    assert.deepEqual(t.map((x) => [x.tenant, Math.round(x.backlogShare.value ?? -1), x.backlogShare.precision]), [['acme', 34, 'sampled'], ['globex', 33, 'sampled'], ['initech', 33, 'sampled']]);
    assert.ok(t[0].shareErrorPct > 3 && t[0].shareErrorPct < 6, `±${t[0].shareErrorPct}`);
    assert.deepEqual(engine.evaluate(T0 + 2000), []);
  });

  it('a noisy neighbour fires only on a share over the level beyond its sampling error', () => {
    const make = (k: number) => {
      const engine = engineFor({ tenants: { payloadField: 'tenant_id', noisyShare: 50 }, thresholds: { hysteresis: { breachAfter: 1 } } });
      const a = queueRef('bullmq', 'default', 'shared');
      engine.observe(T0, { queues: [obs(a, { pending: 100_000, tenantSample: { counts: { acme: k, globex: 40 - k }, sampled: 40, ofPending: 100_000, which: '40 pending jobs as the system lists them' } })], pools: [] });
      return engine.evaluate(T0).map((f) => f.message);
    };
    assert.deepEqual(make(24), [], '60% ±15 of 40 jobs: not significant over 50%');
    assert.match(make(36).join(), /tenant acme holds 90% ±9.3 of the backlog/);
  });

  it('exact parts where every pending job was read: no error', () => {
    const parts = tenantParts({ counts: { a: 2, b: 1 }, sampled: 3, ofPending: 3, which: 'every pending job' }, 3);
    assert.deepEqual([...parts.entries()].map(([k, v]) => [k, v.pending, v.variance]), [['a', 2, 0], ['b', 1, 0]]);
  });
});

describe('true figures: built-in rules and rows', () => {
  const finding = (builtIn: boolean, severity: Finding['severity'], since: number): Finding => ({ key: 'k', severity, subject: { kind: 'host', id: 'host' }, metric: 'cpu', value: 95, limit: 90, message: 'host CPU 95% > 90%', builtIn, since });

  it('a built-in rule (host CPU, load, zero consumers) alarms only once sustained, and then as a warning', () => {
    assert.deepEqual(alerting([finding(true, 'critical', T0)], T0 + 60_000), []);
    assert.deepEqual(alerting([finding(true, 'critical', T0)], T0 + BUILT_IN_SUSTAINED_MS).map((f) => f.severity), ['warning']);
    assert.deepEqual(alerting([finding(false, 'critical', T0)], T0).map((f) => f.severity), ['critical']);
  });

  it('the built-in host rules have no place in chaperone.json; a written one has its line', () => {
    const engine = engineFor({ thresholds: { hysteresis: { breachAfter: 1 }, host: { memory: { warning: 50 } } } });
    engine.observe(T0, { queues: [], pools: [], host: { cpuPct: 99, memoryPct: 60, loadPerCore: 0.1, disks: [] } });
    const got = engine.evaluate(T0).map((f) => [f.metric, f.builtIn, f.range === undefined]);
    assert.deepEqual(got.sort(), [['cpu', true, true], ['memory', false, false]]);
  });

  it('rows hold still: coarse durations, and a description that changes only when what it shows does', () => {
    assert.deepEqual([999, 4_200, 14_000, 19_999, 61_000, 3_700_000, 90_000_000].map(coarseDuration), ['<1s', '4s', '10s', '10s', '1m', '1h1m', '1d1h']);
    const engine = engineFor({});
    const a = queueRef('bullmq', 'default', 'a');
    const texts = [0, 1, 2, 3].map((i) => {
      engine.observe(T0 + i * 1000, { queues: [obs(a, { pending: 1200, oldestAgeMs: 130_000 + i * 1000 })], pools: [] });
      const q = engine.signals(T0 + i * 1000).queues[0];
      return `${queueLabel(q)} ${queueDescription(q)}`;
    });
    assert.equal(new Set(texts).size, 1, texts.join(' | '));
    assert.equal(texts[0], '1.2k a pending → · wait 2m', 'the count leads the label');
  });

  it('the dashboard time axis: distinct labels at every range and window width', () => {
    for (const range of RANGES) {
      for (const span of [RANGE_MS[range], RANGE_MS[range] / 7, 60_000, 20_000]) {
        const { step, ticks } = timeTicks(T0 - span, T0, 6);
        const labels = ticks.map((t) => timeLabel(t, step));
        assert.ok(ticks.length >= 2 && ticks.length <= 7, `${range} ${span}: ${ticks.length} ticks`);
        assert.equal(new Set(labels).size, labels.length, `${range} over ${span} ms: ${labels.join(', ')}`);
      }
    }
  });
});
