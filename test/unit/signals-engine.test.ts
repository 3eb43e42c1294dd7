// The signals engine on a fake timeline: findings with their numbers and source ranges,
// hysteresis, derived figures, tenants and quotas.
import { parseQueueId, queueRef } from '../../src/core/queue-ref';
import { strict as assert } from 'node:assert';
import { parseConfigText } from '../../src/core/config/parse-config';
import type { FlowReading } from '../../src/core/signals/flow';
import type { Observation, QueueObservation } from '../../src/core/signals/observations';
import type { Finding } from '../../src/core/signals/findings';
import { SignalsEngine } from '../../src/core/signals/signals-engine';
import { step, INITIAL } from '../../src/core/signals/hysteresis';

const T0 = 1_763_800_000_000;

function engineFor(json: object) {
  const text = JSON.stringify(json, null, 2);
  const { config } = parseConfigText(text, '/w/chaperone.json');
  return { engine: new SignalsEngine(config.thresholds, config.tenants, config.signals, config.pools), config, text };
}

const queue = (over: Partial<QueueObservation> & { id: string }): QueueObservation => ({
  ref: queueRef(parseQueueId(over.id)?.system ?? 'bullmq', over.connection ?? 'default', parseQueueId(over.id)?.name ?? over.id),
  key: `default/${over.id}`, connection: 'default', pending: 0, delayed: 0, active: 0, failed: 0, oldestAgeMs: null, runtimeMs: null, consumers: null, paused: false, ...over,
});

const obs = (queues: QueueObservation[], extra: Partial<Observation> = {}): Observation => ({ queues, pools: [], ...extra });

describe('signals engine', () => {
  it('a rising depth: "depth 1520 > 1000; at +42/min it reaches 5000 in 83 min", on the line of the rule', () => {
    const { engine, text } = engineFor({ thresholds: { hysteresis: { breachAfter: 1 }, queues: { 'laravel:*': { depth: { warning: 1000, critical: 5000 } } } } });
    for (let i = 0; i <= 300; i++) engine.observe(T0 + i * 1000, obs([queue({ id: 'laravel:emails', pending: Math.round(1310 + 0.7 * i) })]));
    const [f] = engine.evaluate();
    assert.equal(f.severity, 'warning');
    assert.equal(f.message, 'laravel:emails depth 1520 > 1000; at +42/min it reaches 5000 in 83 min');
    assert.equal(f.subject.id, 'default/laravel:emails');
    assert.equal(text.slice(f.range?.offset, (f.range?.offset ?? 0) + (f.range?.length ?? 0)), '"depth"');
    assert.equal(f.range?.line, 8);
  });

  it('a tick evaluated a part at a time, in any order: the findings in the order the queues were first seen, the same objects while nothing changes', () => {
    const { engine } = engineFor({ thresholds: { hysteresis: { breachAfter: 1 }, queues: { '*': { depth: { warning: 10 } } } } });
    const ids = ['bullmq:a', 'bullmq:b', 'bullmq:c', 'bullmq:d'];
    const tick = (t: number, order: number[]) => {
      const e = engine.beginEvaluation(t);
      for (const i of order) {
        engine.observe(t, obs([queue({ id: ids[i], pending: 20 + i })]));
        engine.stepEvaluation(e, engine.queueBreaches(engine.queueSignalsOf(t, [`default/${ids[i]}`])));
      }
      return engine.endEvaluation(e);
    };
    const first = tick(T0, [0, 1, 2, 3]);
    assert.deepEqual(first.map((f) => f.subject.id), ids.map((id) => `default/${id}`));
    const second = tick(T0 + 1000, [3, 1, 0, 2]);
    assert.deepEqual(second.map((f) => f.subject.id), ids.map((id) => `default/${id}`), 'sorted back into queue order');
    second.forEach((f, i) => assert.equal(f, first[i], 'the same finding object while its figures stay'));
  });

  // Two engines, one config, the same observations: one evaluates whole ticks, the other takes
  // them as the sampler does, where a queue whose rules read the same figures as at its last,
  // steady, evaluation gives its findings again without looking at its rules. Queues stand
  // still, jump, rise, lose their consumers, their oldest jobs age, and some are not read at some
  // ticks. With rules on every figure, and with rules that read neither the wait nor the failures.
  const partsLikeWhole = (config: object) => {
    const whole = engineFor(config).engine;
    const parts = engineFor(config).engine;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ids = Array.from({ length: 12 }, (_, i) => `bullmq:q${i}`);
    const state = ids.map(() => ({ pending: 0, rising: 0, consumers: null as number | null, age: null as number | null }));
    const seen = (f: { key: string; severity: string; value: number; limit: number; message: string; since: number }) => `${f.key} ${f.severity} ${f.value}/${f.limit} since ${f.since}: ${f.message}`;
    for (let i = 0; i < 400; i++) {
      const t = T0 + i * 1000;
      state.forEach((q, n) => {
        const r = rand();
        if (r < 0.03) q.pending = Math.floor(rand() * 80);
        else if (r < 0.04) q.rising = q.rising ? 0 : 1 + Math.floor(rand() * 3);
        else if (r < 0.05) q.consumers = [null, 0, 2][Math.floor(rand() * 3)];
        else if (r < 0.06) q.age = q.age === null ? 50_000 + n * 1000 : null;
        if (q.age !== null && r > 0.5) q.age += 1000;
        if (q.rising) q.pending += q.rising;
        if (q.pending > 150) q.rising = 0;
      });
      const read = ids.map((id, n) => queue({ id, pending: state[n].pending, consumers: state[n].consumers, oldestAgeMs: state[n].age })).filter(() => rand() > 0.05);
      // What finished: the system says why it keeps nothing (the reason changes now and then)
      // until, from tick 150, the first queues get windows of their own, with failures.
      const flows: FlowReading[] = [{ scope: { kind: 'system', system: 'bullmq', connection: 'default' }, kind: 'unknown', why: `nothing kept (${Math.floor(i / 90)})` }];
      const windowed = (n: number) => (n < 3 && i >= 150) || (n < 6 && i >= 300);
      for (const q of read) {
        const n = ids.indexOf(q.id);
        if (!windowed(n)) continue;
        const first = i === (n < 3 ? 150 : 300);
        flows.push(first ? { scope: { kind: 'queue', ref: q.ref }, source: 'test', kind: 'baseline' } : { scope: { kind: 'queue', ref: q.ref }, source: 'test', kind: 'delta', counts: { completed: 3, failed: n % 3 === 0 ? 2 : 0, runtimesMs: [] } });
      }
      whole.observe(t, obs(read, { flows }));
      const expected = whole.evaluate(t);
      const e = parts.beginEvaluation(t);
      parts.observe(t, obs([], { flows }));
      for (let k = 0; k < read.length; k += 5) parts.observeQueues(e, read.slice(k, k + 5));
      parts.observe(t, obs([]));
      parts.stepEvaluation(e, parts.queueBreaches(parts.queueSignalsOf(t, parts.queueKeysNotBuilt(t))));
      parts.stepEvaluation(e, parts.breachesOf(parts.signals(t, parts.builtQueueSignals(t)), [], true));
      const got = parts.endEvaluation(e);
      assert.deepEqual(got.map(seen), expected.map(seen), `tick ${i}`);
      const figures = (x: SignalsEngine) => x.signals(t).queues.map((q) => `${q.key} ${q.pending} ${q.direction} ${q.throughput.value ?? q.throughput.source} ${q.failureRate.value ?? q.failureRate.source}`);
      assert.deepEqual(figures(parts), figures(whole), `tick ${i} figures`);
      // And as they should be: from a window where the queue has one, else the system's reason of the moment.
      for (const q of parts.signals(t).queues) {
        const n = ids.indexOf(q.id);
        if (windowed(n) && i >= (n < 3 ? 170 : 320)) assert.ok((q.throughput.value ?? 0) > 100, `tick ${i} ${q.id} throughput ${q.throughput.value ?? q.throughput.source}`);
        if (!windowed(n)) assert.equal(q.throughput.source, `nothing kept (${Math.floor(i / 90)})`, `tick ${i} ${q.id}`);
      }
    }
  };

  it('a tick taken a part at a time (observeQueues, as the sampler does) gives the findings evaluate() gives, tick after tick', () => {
    partsLikeWhole({ thresholds: { hysteresis: { breachAfter: 2, clearAfter: 3 }, queues: { '*': { depth: { warning: 10, critical: 50 }, wait: { warning: '1m' }, forecast: { within: '10m', warning: 100 }, failureRate: { warning: 20 } } } } });
    partsLikeWhole({ thresholds: { hysteresis: { breachAfter: 2, clearAfter: 3 }, queues: { '*': { depth: { warning: 10, critical: 50 }, forecast: { within: '10m', warning: 100 } } } } });
  });

  it('a queue whose oldest job ages stays steady where no rule reads its wait (the same finding objects); a wait rule follows the age', () => {
    const { engine } = engineFor({ thresholds: { hysteresis: { breachAfter: 1 }, queues: { 'bullmq:mail': { depth: { warning: 10 } }, 'bullmq:sms': { depth: { warning: 10 }, wait: { warning: '1m' } } } } });
    const tick = (i: number) => {
      const t = T0 + i * 1000;
      const e = engine.beginEvaluation(t);
      engine.observeQueues(e, [queue({ id: 'bullmq:mail', pending: 20, oldestAgeMs: 120_000 + i * 1000 }), queue({ id: 'bullmq:sms', pending: 20, oldestAgeMs: 120_000 + i * 1000 })]);
      engine.stepEvaluation(e, engine.breachesOf(engine.signals(t, engine.builtQueueSignals(t)), [], true));
      return engine.endEvaluation(e);
    };
    const byKey = (fs: Finding[]) => new Map(fs.map((f) => [f.key, f]));
    // Which queues had their rules looked at: the engine's private step, counted from outside.
    const looked: string[] = [];
    const inner = engine as unknown as { queueOutcomes: (q: { key: string }, ...rest: unknown[]) => void };
    const outcomes = inner.queueOutcomes.bind(engine);
    inner.queueOutcomes = (q, ...rest) => {
      looked.push(q.key);
      outcomes(q, ...rest);
    };
    const first = byKey(tick(0));
    for (let i = 1; i <= 5; i++) {
      const now = byKey(tick(i));
      assert.equal(now.get('queue:default/bullmq:mail:depth'), first.get('queue:default/bullmq:mail:depth'), `tick ${i}: mail's depth finding, the same object`);
      const wait = now.get('queue:default/bullmq:sms:wait');
      assert.ok(wait, `tick ${i}: sms's wait finding`);
      assert.equal(wait.value, 120_000 + i * 1000, `tick ${i}: sms's wait finding follows the age`);
      assert.match(wait.message, /oldest pending job has waited 2m/);
    }
    // mail: looked at on its first two ticks (new, then its rules settle), then steady.
    assert.deepEqual(looked.filter((k) => k === 'default/bullmq:mail').length, 2, looked.join(' '));
    assert.deepEqual(looked.filter((k) => k === 'default/bullmq:sms').length, 6);
  });

  it('hysteresis: raised after N samples over, cleared after M under, no flapping in between', () => {
    const { engine } = engineFor({ thresholds: { hysteresis: { breachAfter: 3, clearAfter: 2 }, queues: { '*': { depth: { warning: 10 } } } } });
    const seq = [20, 20, 5, 20, 20, 20, 20, 5, 20, 5, 5, 5];
    const active = seq.map((d, i) => {
      engine.observe(T0 + i * 1000, obs([queue({ id: 'bullmq:mail', pending: d })]));
      return engine.evaluate().some((f) => f.metric === 'depth');
    });
    assert.deepEqual(active, [false, false, false, false, false, true, true, true, true, true, false, false]);
    assert.deepEqual(step(INITIAL, 'critical', 1, 1).active, 'critical');
  });

  it('check mode evaluates the current values once, without hysteresis', () => {
    const { engine } = engineFor({ thresholds: { queues: { '*': { depth: { warning: 10, critical: 100 } } } } });
    engine.observe(T0, obs([queue({ id: 'bullmq:mail', pending: 150 })]));
    assert.deepEqual(engine.evaluate(T0, 'once').map((f) => [f.metric, f.severity, f.limit]), [['depth', 'critical', 100]]);
  });

  it('the most specific pattern wins per rule; expected wait from runtime and consumers; zero consumers only where known', () => {
    const { engine } = engineFor({ thresholds: { hysteresis: { breachAfter: 1 }, queues: { '*': { depth: { warning: 1 }, expectedWait: { warning: '10s' } }, 'bullmq:mail': { depth: { warning: 500 } } } } });
    engine.observe(T0, obs([
      queue({ id: 'bullmq:mail', pending: 100, runtimeMs: 500, consumers: 2 }),
      queue({ id: 'bullmq:sms', pending: 5, consumers: 0 }),
      queue({ id: 'laravel:reports', pending: 5, consumers: null }),
    ]));
    const got = engine.evaluate().map((f) => `${f.subject.id} ${f.metric}: ${f.message}`).sort();
    assert.deepEqual(got, [
      'default/bullmq:mail expectedWait: bullmq:mail expected wait ~25s > 10s (pending 100 x runtime 500ms / 2 consumers)',
      'default/bullmq:sms depth: bullmq:sms depth 5 > 1',
      'default/bullmq:sms zeroConsumers: bullmq:sms has 5 pending jobs and no consumer',
      'default/laravel:reports depth: laravel:reports depth 5 > 1',
    ]);
  });

  it('throughput and failure rate from the readings of what finished, never from counts; a forecast breach within its horizon', () => {
    const { engine } = engineFor({ thresholds: { hysteresis: { breachAfter: 1 }, queues: { '*': { failureRate: { warning: 10 }, forecast: { within: '30m', warning: 2000 } } } } });
    const ref = queueRef('bullmq', 'default', 'mail');
    for (let i = 0; i <= 600; i++) {
      // 9 completed and 1 failed per second (the completed set stays at 500: removeOnComplete); depth rising 1/s from 100
      const flows = [i === 0 ? { scope: { kind: 'queue' as const, ref }, source: 'test events', kind: 'baseline' as const } : { scope: { kind: 'queue' as const, ref }, source: 'test events', kind: 'delta' as const, counts: { completed: 9, failed: 1, runtimesMs: [100 + (i % 10) * 10] } }];
      engine.observe(T0 + i * 1000, obs([queue({ id: 'bullmq:mail', pending: 100 + i, completed: 500, failed: i } as Partial<QueueObservation> & { id: string })], { flows }));
    }
    const [q] = engine.signals().queues;
    assert.equal(q.throughput.precision, 'exact');
    assert.ok(Math.abs((q.throughput.value ?? 0) - 600) < 1e-6, `throughput ${q.throughput.value}`);
    assert.ok(Math.abs((q.failureRate.value ?? 0) - 10) < 1e-6, `failure rate ${q.failureRate.value}`);
    assert.equal(q.runtimeP50.value, 140);
    assert.equal(q.runtimeP95.value, 190);
    assert.equal(q.finished.completed, 5400);
    assert.equal(q.direction, 'rising');
    const found = engine.evaluate().map((f) => f.message);
    assert.deepEqual(found, ['bullmq:mail depth 700 rising +60/min reaches 2000 in 22 min (within 30 min)']);
  });

  it('workers: memory over a pool override, restarts per minute, fatal; host defaults', () => {
    const { engine } = engineFor({
      pools: { mail: { command: ['node', 'w.js'], processes: 2, thresholds: { memory: { warning: '100MB' } } } },
      thresholds: { hysteresis: { breachAfter: 1 }, workers: { '*': { memory: { warning: '1GB' }, restartsPerMinute: { warning: 2 } } } },
    });
    const pool = (restarts: number, state = 'running') => ({ name: 'mail', queues: [], running: 2, workers: [
      { id: 'mail-1', state, memoryBytes: 200 * 1024 * 1024, restarts, cpu: 3 },
      { id: 'mail-2', state: 'running', memoryBytes: 50 * 1024 * 1024, restarts: 0, cpu: 3 },
    ] });
    const host = { cpuPct: 95, memoryPct: 50, loadPerCore: 0.5, disks: [{ mount: '/', usedPct: 87, freeBytes: 5 * 1024 ** 3 }] };
    engine.observe(T0, { queues: [], pools: [pool(0)], host });
    engine.observe(T0 + 10_000, { queues: [], pools: [pool(3, 'fatal')], host });
    const got = engine.evaluate().map((f) => `${f.severity} ${f.message}`).sort();
    assert.deepEqual(got, [
      'critical host CPU 95% > 90%',
      'critical pool mail worker mail-1 is fatal: its restart budget is spent (chaperone restart mail recovers it)',
      'warning disk / 87% used > 85% (5.00GiB free)',
      'warning pool mail worker mail-1 memory 209.7 MB > 100 MB',
      'warning pool mail: 3 restarts in the last minute > 2',
    ]);
  });

  it('tenants: by pattern, by connection and by payload; a noisy neighbour; quota use', () => {
    const { engine } = engineFor({
      pools: { acme: { command: ['w'], processes: 3, queues: ['bullmq:acme-mail'] } },
      connections: { eu: { url: 'redis://127.0.0.1:1' } },
      tenants: { queuePattern: '^bullmq:(?<tenant>[a-z]+)-', connections: { eu: 'globex' }, quotas: { acme: { maxWorkers: 3 } } },
      thresholds: { hysteresis: { breachAfter: 1 } },
    });
    engine.observe(T0, {
      queues: [
        queue({ id: 'bullmq:acme-mail', pending: 900 }),
        queue({ id: 'bullmq:initech-mail', pending: 50 }),
        queue({ id: 'laravel:emails', key: 'eu/laravel:emails', connection: 'eu', pending: 40 }),
        queue({ id: 'laravel:misc', pending: 10, tenantSample: { counts: { hooli: 4 }, sampled: 4, ofPending: 4, which: 'every pending job' } }),
      ],
      pools: [{ name: 'acme', queues: ['bullmq:acme-mail'], running: 3, workers: [] }],
    });
    const tenants = engine.signals().tenants.map((t) => [t.tenant, t.pending, Math.round(t.backlogShare.value ?? -1), t.workers]);
    assert.deepEqual(tenants, [['acme', 900, 90, 3], ['globex', 40, 4, 0], ['hooli', 10, 1, 0], ['initech', 50, 5, 0]]);
    const got = engine.evaluate().map((f) => `${f.severity} ${f.message}`);
    assert.deepEqual(got, ['warning tenant acme holds 90% of the backlog (900 jobs) > 50%: a noisy neighbour']);
  });
});
