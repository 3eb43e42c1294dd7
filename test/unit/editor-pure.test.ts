// The editor's pure parts, in plain mocha: the webview protocol's guards, the dashboard's data
// (snapshots, deltas, bounded series), threshold rounding and the chaperone.json template.
import { queueRef } from '../../src/core/queue-ref';
import * as assert from 'node:assert/strict';
import { parseConfigText } from '../../src/core/config/parse-config';
import type { QueueSignal, Signals } from '../../src/core/signals/signals-engine';
import { configText } from '../../src/host/config-template';
import { deepestQueues } from '../../src/host/figures';
import { DashboardData, MAX_POOLS, MAX_QUEUES } from '../../src/host/dashboard/dashboard-data';
import { durationText, niceAbove } from '../../src/host/threshold-math';
import { DeltaMessage, SnapshotMessage, isWebviewToHost } from '../../src/protocol/dashboard';
import type { QueueCounts } from '../../src/queues/contract';
import { known, unknown } from '../../src/core/signals/figure';

function queue(name: string, pending: number, at: number, slope = 0): QueueSignal {
  return {
    ref: queueRef('bullmq', 'default', name), key: `default/bullmq:${name}`, id: `bullmq:${name}`, connection: 'default', pending, delayed: 0, active: 0, failed: 0, paused: false,
    consumers: 1, wait: unknown('not recorded'), expectedWait: unknown('no runtime'), throughput: known(6, 'exact', 'test'), failureRate: unknown('none finished'),
    runtimeP50: unknown('none'), runtimeP95: unknown('none'), runtime: unknown('none'), finished: { since: at, completed: 0, failed: 0 }, lastHour: { runs: unknown('none'), failed: unknown('none') }, direction: 'stable', slopePerMin: slope * 60,
    trend: { n: 10, slope, level: pending, r2: 1, mean: pending, stddev: 0, at, last: pending } as QueueSignal['trend'],
  };
}

describe('editor: webview protocol guards', () => {
  it('accepts the messages of the protocol', () => {
    for (const m of [{ type: 'ready' }, { type: 'painted', ms: 12.5 }, { type: 'request', id: 1, method: 'setRange', range: '1h' }, { type: 'request', id: 2, method: 'action', action: 'checkThresholds' }]) {
      assert.equal(isWebviewToHost(m), true, JSON.stringify(m));
    }
  });

  it('refuses anything else: unknown fields, actions or ranges, bad ids, non-objects', () => {
    for (const m of [
      'ready', null, [], { type: 'ready', extra: 1 }, { type: 'painted', ms: -1 }, { type: 'painted', ms: 'fast' },
      { type: 'request', id: 1, method: 'action', action: 'runShell' }, { type: 'request', id: 1, method: 'setRange', range: '7d' },
      { type: 'request', id: 1.5, method: 'setRange', range: '1h' }, { type: 'request', id: 1, method: 'exec', command: 'rm' },
      { type: 'request', id: 1, method: 'action', action: 'checkThresholds', command: 'x' },
    ]) {
      assert.equal(isWebviewToHost(m), false, JSON.stringify(m));
    }
  });

  it('the webview checks the host\'s messages too', () => {
    assert.equal(SnapshotMessage.is({ type: 'snapshot', snapshot: { queues: [], range: '15m' } }), true);
    assert.equal(SnapshotMessage.is({ type: 'snapshot', snapshot: { queues: [], range: 'forever' } }), false);
    assert.equal(DeltaMessage.is({ type: 'delta', delta: { points: [], summary: {} } }), true);
    assert.equal(DeltaMessage.is({ type: 'delta', delta: { points: 'x' } }), false);
  });
});

describe('editor: dashboard data', () => {
  const make = (signals: () => Signals | undefined, marks: { at: number; text: string }[] = []) =>
    new DashboardData({
      signals, findings: () => [], workers: () => 3, unread: () => [], marks: () => marks,
      // The engine's history, as it records the series (a pool's memory in bytes).
      history: (series, from, to) => {
        const v = series.endsWith(':memory') ? 2 * 1048576 : series.endsWith(':cpu') ? 12 : undefined;
        return { points: [{ t: from + 1000, avg: v ?? 4 }, { t: to - 1000, avg: v ?? 5 }] };
      },
    });

  it('marks: those of the range in the snapshot; a delta carries them only when they change', () => {
    const now = 1_000_000_000;
    const s: Signals = { at: now, queues: [queue('q', 1, now, 0)], pools: [], systems: [], tenants: [] };
    const marks = [{ at: now - 2 * 3_600_000, text: 'too old for 1h' }, { at: now - 60_000, text: 'deploy 1.4.2' }];
    const data = make(() => s, marks);
    assert.deepEqual(data.snapshot('1h', now).marks, [{ at: now - 60_000, text: 'deploy 1.4.2' }]);
    assert.equal(data.delta('1h')?.marks, undefined, 'unchanged: not sent again');
    marks.push({ at: now, text: 'deploy 1.4.3' });
    assert.deepEqual(data.delta('1h')?.marks?.map((m) => m.text), ['deploy 1.4.2', 'deploy 1.4.3']);
    assert.equal(data.delta('1h')?.marks, undefined);
    assert.equal(data.snapshot('24h', now).marks.length, 3);
  });

  it('a snapshot has the deepest queues with their trend and forecast, a delta one point per series', () => {
    const now = 1_000_000_000;
    let s: Signals = { at: now, queues: Array.from({ length: 10 }, (_, i) => queue(`q${i}`, i * 10, now, 0.5)), pools: [{ name: 'p', running: 1, restartsPerMin: 0, workers: [{ id: 'w1', state: 'running', cpu: 12, memoryBytes: 2 * 1048576 }] }], systems: [], tenants: [] };
    const data = make(() => s);
    const snap = data.snapshot('15m', now);
    assert.equal(snap.queues.length, MAX_QUEUES);
    assert.deepEqual(snap.queues.map((q) => q.label), ['bullmq:q9', 'bullmq:q8', 'bullmq:q7', 'bullmq:q6', 'bullmq:q5', 'bullmq:q4']);
    const q9 = snap.queues[0];
    assert.ok(q9.trend && q9.forecast);
    assert.ok(q9.trend[0][0] >= q9.points[0][0], 'the trend line starts no earlier than the first point drawn');
    assert.equal(q9.forecast[1][1], 90 + 0.5 * 225, 'level + slope x a quarter of the range');
    assert.equal(snap.workerCpu[0].points.at(-1)?.[1], 12);
    assert.equal(snap.workerMemory[0].points.at(-1)?.[1], 2);
    assert.equal(snap.summary.workers, 3);
    s = { ...s, at: now + 1000, queues: s.queues.map((q) => ({ ...q, pending: q.pending + 1 })) };
    const delta = data.delta('15m');
    assert.ok(delta);
    assert.deepEqual(delta.points.find((p) => p.id === 'default/bullmq:q9')?.point, [now + 1000, 91]);
    assert.equal(delta.points.filter((p) => p.chart === 'queues').length, MAX_QUEUES);
  });

  it('a new set of top queues needs a snapshot, not a delta', () => {
    const now = 2_000_000_000;
    let s: Signals = { at: now, queues: [queue('a', 5, now), queue('b', 3, now)], pools: [], systems: [], tenants: [] };
    const data = make(() => s);
    data.snapshot('1h', now);
    s = { ...s, queues: [queue('a', 5, now), queue('c', 9, now)] };
    assert.equal(data.delta('1h'), undefined);
  });

  it('the deepest queues in one pass: the same as sorting them all (deeper first, ties by key)', () => {
    const qs = Array.from({ length: 300 }, (_, i) => ({ key: `q${(i * 7919) % 300}`, pending: (i * 37) % 11 }));
    for (const n of [0, 1, 6, 50, 300, 400]) {
      const sorted = [...qs].sort((a, b) => b.pending - a.pending || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, n);
      assert.deepEqual(deepestQueues(qs, n), sorted, `n=${n}`);
    }
  });

  it('a pool with a running worker not sampled yet gets no CPU or memory point (a gap), never a 0', () => {
    const now = 4_000_000_000;
    const pool = (workers: { id: string; state: string; cpu?: number; memoryBytes?: number }[]) => ({ name: 'p', running: workers.length, restartsPerMin: 0, workers });
    let s: Signals = { at: now, queues: [], pools: [pool([{ id: 'w1', state: 'running' }, { id: 'w2', state: 'running' }])], systems: [], tenants: [] };
    const data = make(() => s);
    data.snapshot('15m', now);
    const points = (d: ReturnType<typeof data.delta>) => d?.points.filter((p) => p.chart === 'workerCpu' || p.chart === 'workerMemory').map((p) => [p.chart, p.point[1]]);
    assert.deepEqual(points(data.delta('15m')), [], 'none sampled: no point');
    s = { ...s, at: now + 1000, pools: [pool([{ id: 'w1', state: 'running', cpu: 12, memoryBytes: 2 * 1048576 }, { id: 'w2', state: 'running' }])] };
    assert.deepEqual(points(data.delta('15m')), [], 'one of two sampled: a lower bound is no point either');
    s = { ...s, at: now + 2000, pools: [pool([{ id: 'w1', state: 'running', cpu: 12, memoryBytes: 2 * 1048576 }, { id: 'w2', state: 'running', cpu: 3, memoryBytes: 1048576 }])] };
    assert.deepEqual(points(data.delta('15m')), [['workerCpu', 15], ['workerMemory', 3]]);
  });

  it('its series stay bounded whatever the number of pools', () => {
    const now = 3_000_000_000;
    const pools = Array.from({ length: MAX_POOLS * 3 }, (_, i) => ({ name: `p${i}`, running: 1, restartsPerMin: 0, workers: [{ id: 'w', state: 'running', cpu: 1, memoryBytes: 1 }] }));
    const s: Signals = { at: now, queues: [], pools, systems: [], tenants: [] };
    const data = make(() => s);
    assert.equal(data.snapshot('15m', now).workerCpu.length, MAX_POOLS);
  });
});

describe('editor: raised thresholds and the chaperone.json template', () => {
  it('raises to numbers people write', () => {
    assert.deepEqual([37.5, 0, 1, 7, 2.2, 101, 9000].map(niceAbove), [50, 1, 1, 10, 2.5, 200, 10000]);
    assert.deepEqual([20_000, 250_000, 5_400_000].map(durationText), ['20s', '5m', '2h']);
  });

  it('writes a valid chaperone.json listing the queues found, a rule per system and a pool to start from', () => {
    const counts = (system: string, name: string): QueueCounts => ({ queue: { system: system as QueueCounts['queue']['system'], connection: 'default', name, id: `${system}:${name}` }, counts: { pending: 0, delayed: 0, active: 0, failed: 0 }, oldestPendingAgeMs: null, runtimeMs: null, paused: false });
    const text = configText('redis://127.0.0.1:7000', [counts('bullmq', 'mail'), counts('laravel', 'default'), counts('bullmq', 'pdf')]);
    const { config } = parseConfigText(text, 'chaperone.json');
    assert.equal(config.redis.url, 'redis://127.0.0.1:7000');
    assert.match(text, /bullmq: mail, pdf/);
    assert.match(text, /\/\/ "laravel-default": \{/);
    assert.deepEqual(config.thresholds.queues.map((r) => r.pattern).sort(), ['bullmq:*', 'laravel:*']);
    assert.doesNotThrow(() => parseConfigText(configText('redis://127.0.0.1:7000', []), 'chaperone.json'));
  });
});
