// npm run bench:signals — the trend calculator, the history store and a whole signals tick, each
// beside its anchor, in one run. Not a test: prints figures and targets side by side.
import Redis from 'ioredis';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { parseConfigText } from '../src/core/config/parse-config';
import { SeriesHistory } from '../src/core/signals/series-history';
import { SignalsEngine } from '../src/core/signals/signals-engine';
import { SlidingRegression } from '../src/core/signals/sliding-regression';
import type { PoolObservation } from '../src/core/signals/observations';
import { HostSampler } from '../src/node/host-sampler';
import { QueueObserver } from '../src/node/signals/observe-queues';
import { SignalsSampler } from '../src/node/signals/signals-sampler';
import { QueueService } from '../src/queues/queue-service';
import { createAdapters } from '../src/queues/registry';
import { LaravelKeys } from '../src/queues/laravel/laravel-keys';
import { TestRedis } from '../test/helpers/redis-server';
import { LoopBlockMeter } from './loop-block-meter';
import { TurnMeter } from './editor/turn-meter';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function trendUpdates(): { ours: number; naive: number; floor: number } {
  const N = 5_000_000;
  const r = new SlidingRegression(60_000, 600);
  const t0 = Date.now();
  let x = 0;
  let start = performance.now();
  for (let i = 0; i < N; i++) r.add(t0 + i * 100, 1000 + (i % 97));
  const ours = N / ((performance.now() - start) / 1000);
  x += r.result()?.slope ?? 0;
  // Anchor: the same window refitted from scratch per sample (what a non-streaming fit costs).
  const M = 20_000;
  const xs = new Float64Array(600);
  const ys = new Float64Array(600);
  start = performance.now();
  for (let i = 0; i < M; i++) {
    xs[i % 600] = i / 10;
    ys[i % 600] = 1000 + (i % 97);
    const n = Math.min(i + 1, 600);
    let mx = 0;
    let my = 0;
    for (let k = 0; k < n; k++) {
      mx += xs[k];
      my += ys[k];
    }
    mx /= n;
    my /= n;
    let sxx = 0;
    let sxy = 0;
    for (let k = 0; k < n; k++) {
      sxx += (xs[k] - mx) ** 2;
      sxy += (xs[k] - mx) * (ys[k] - my);
    }
    x += sxx ? sxy / sxx : 0;
  }
  const naive = M / ((performance.now() - start) / 1000);
  // Floor: only storing the sample in typed arrays.
  start = performance.now();
  for (let i = 0; i < N; i++) {
    xs[i % 600] = i;
    ys[i % 600] = i % 97;
  }
  const floor = N / ((performance.now() - start) / 1000);
  if (x === 42) console.log(''); // keep the loops alive
  return { ours, naive, floor };
}

function historyMemory(): { bytesPerSeries: number; totalMb: number; fillSeconds: number; rawMb: number; heapMb: number } {
  global.gc?.();
  const before = process.memoryUsage();
  const series: SeriesHistory[] = [];
  for (let i = 0; i < 1000; i++) series.push(new SeriesHistory());
  const t0 = Date.now() - 86_400_000;
  const start = performance.now();
  // 24 h at 1 Hz into every series.
  for (let s = 0; s < 86_400; s++) {
    const t = t0 + s * 1000;
    for (let i = 0; i < 1000; i++) series[i].add(t, (s + i) % 500);
  }
  const fillSeconds = (performance.now() - start) / 1000;
  global.gc?.();
  const after = process.memoryUsage();
  const heapMb = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 1e6;
  return { bytesPerSeries: series[0].bytes(), totalMb: series.reduce((a, s) => a + s.bytes(), 0) / 1e6, fillSeconds, rawMb: (1000 * 86_400 * 16) / 1e6, heapMb };
}

interface TickFigures {
  tickMs: number;
  tickP95: number;
  countsMs: number;
  engineSyncMs: number;
  engineSyncMax: number;
  maxBlockMs: number;
  typicalMaxBlockMs: number;
  /** The same with the counts alone (the machine's own blocks). */
  countsMaxBlockMs: number;
  maxDelayMs: number;
  maxGcMs: number;
  findings: number;
  /** The largest p99 of Chaperone's synchronous steps, and the largest of them at all. */
  stepP99: number;
  stepMax: number;
  steps: string;
  /** The same meter's p99 and largest of a step of fixed work (CONTROL_STEP_MS when the machine is quiet), in the same rounds. */
  controlP99: number;
  controlMax: number;
  /** Heap allocated by a tick (medians over ticks with no collection in them), young and old generation. */
  youngKb: number;
  oldKb: number;
}

/**
 * What a tick allocates, young and old generation (medians, KB), over 40 ticks with no collection in
 * them: the tick's objects live for a tick, and V8 moves literals made that way to the old
 * generation, which only a full collection frees (queue-signal.ts).
 */
async function allocationPerTick(tick: () => Promise<unknown>): Promise<{ youngKb: number; oldKb: number }> {
  const young: number[] = [];
  const old: number[] = [];
  let collections = 0;
  const gcs = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  gcs.observe({ entryTypes: ['gc'] });
  const used = () => Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.space_used_size]));
  try {
    for (let i = 0; i < 40; i++) {
      const seen = collections;
      const before = used();
      await tick();
      const after = used();
      // GC entries arrive a turn later: one is let in before a tick is taken as free of collections.
      await new Promise((r) => setTimeout(r, 20));
      if (collections !== seen) continue;
      young.push(after.new_space - before.new_space);
      old.push(after.old_space - before.old_space);
    }
  } finally {
    gcs.disconnect();
  }
  return { youngKb: young.length ? median(young) / 1024 : NaN, oldKb: old.length ? median(old) / 1024 : NaN };
}

/** The control step's work on a quiet machine (ms): about what the counts' largest step takes. */
const CONTROL_STEP_MS = 1;

/**
 * A step of fixed work: as many rounds of a small loop as took `ms` at the quickest of 20 tries
 * (the machine at its quietest), so that any later run that takes longer was slowed by the machine.
 */
function fixedStep(ms: number): { run: () => number } {
  const spin = (rounds: number): number => {
    let x = 0;
    for (let i = 0; i < rounds; i++) x = (x * 31 + i) % 1_000_003;
    return x;
  };
  const rounds = 200_000;
  let quickest = Infinity;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    spin(rounds);
    quickest = Math.min(quickest, performance.now() - t);
  }
  const n = Math.round((rounds * ms) / quickest);
  return { run: () => spin(n) };
}

async function tick(): Promise<TickFigures> {
  const server = await TestRedis.start();
  const conn = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  try {
    const lk = new LaravelKeys();
    const fill = conn.pipeline();
    for (let i = 0; i < 1000; i++) {
      const payload = (n: number) => JSON.stringify({ uuid: `u-${i}-${n}`, displayName: 'App\\Jobs\\SendMail', job: 'Illuminate\\Queue\\CallQueuedHandler@call', data: { commandName: 'App\\Jobs\\SendMail', command: 'O:...' }, id: `j-${i}-${n}`, attempts: 0, tenant_id: `t${i % 20}` });
      fill.rpush(lk.pending(`lq-${i}`), payload(1), payload(2), payload(3));
    }
    await fill.exec();
    const { config } = parseConfigText(JSON.stringify({
      queues: { laravel: {} },
      thresholds: { queues: { 'laravel:*': { depth: { warning: 2, critical: 100 }, forecast: { within: '30m', warning: 50 } } }, workers: { '*': { memory: { warning: '100MB' } } } },
    }), '/bench/chaperone.json');
    const handle = { config: config.connections[0], redis: conn, adapters: createAdapters(config.connections[0], conn) };
    const service = new QueueService([handle], { record: () => undefined }, 'bench');
    const pools: PoolObservation[] = Array.from({ length: 5 }, (_, p) => ({
      name: `pool-${p}`, queues: [`laravel:lq-${p}`], running: 10,
      workers: Array.from({ length: 10 }, (_, w) => ({ id: `pool-${p}-${w}`, state: 'running', restarts: 0, cpu: 1 + w, memoryBytes: 60e6 + w * 1e6 })),
    }));
    const engine = new SignalsEngine(config.thresholds, config.tenants, config.signals, config.pools);
    const observer = new QueueObserver(service, () => new Map());
    const host = new HostSampler();
    // Ticks as at 1 Hz: the engine's clock advances a second per tick (the wall time is measured
    // for real; waiting a real second between ticks would only make the run longer).
    let virtual = Date.now();
    const sampler = new SignalsSampler({
      engine, clock: { now: () => (virtual += 1000), setTimer: () => () => undefined }, logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      queues: observer, pools: () => pools, host,
    });
    for (let i = 0; i < 5; i++) await sampler.tick(); // warm-up
    // The anchor: the queue counts alone (the adapter's one round trip), same rounds.
    const refs = await handle.adapters[0].discover();
    const walls: number[] = [];
    const countsOnly: number[] = [];
    const syncMs: number[] = [];
    const meter = new LoopBlockMeter();
    meter.start();
    for (let i = 0; i < 60; i++) {
      let t = performance.now();
      await handle.adapters[0].counts(refs, Date.now());
      countsOnly.push(performance.now() - t);
      t = performance.now();
      await sampler.tick();
      walls.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    const block = await meter.stop();
    // The anchor of the loop's blocks: the same rounds with the counts alone. A virtual machine's
    // CPU is now and then taken away, which no counter of the guest shows: such a pause is a block
    // with or without the tick.
    const control = new LoopBlockMeter();
    control.start();
    for (let i = 0; i < 60; i++) {
      await handle.adapters[0].counts(refs, Date.now());
      await new Promise((r) => setTimeout(r, 20));
    }
    const floor = await control.stop();
    const allocated = await allocationPerTick(() => sampler.tick());
    // Then Chaperone's own synchronous steps (each engine call, the counts' and the observer's
    // synchronous parts), timed where they run, over ticks of their own (the timing itself reads
    // /proc at every step, which would slow the ticks measured above); over 200 ticks, so that the
    // p99 of a step taken once a tick is not simply the largest of them.
    // The anchor: a step of fixed work (CONTROL_STEP_MS on this machine when it is quiet), timed by
    // the same meter once a tick, in the same rounds. What the machine adds to a step that the
    // meter cannot take out (the hypervisor's pauses, a slowed CPU) shows as this step's p99 over its
    // quiet time.
    const fixed = fixedStep(CONTROL_STEP_MS);
    const turns = new TurnMeter();
    turns.wrap('engine', engine, ['observe', 'observeQueues', 'queueSignalsOf', 'queueBreaches', 'stepEvaluation', 'signals', 'recordDerived', 'breachesOf', 'endEvaluation']);
    turns.wrap('laravel', handle.adapters[0], ['counts', 'discover', 'flow']);
    turns.wrap('observer', observer, ['observe']);
    turns.wrap('host', host, ['sample']);
    turns.wrap('control', fixed, ['run']);
    for (let i = 0; i < 200; i++) {
      await sampler.tick();
      await new Promise((r) => setTimeout(r, 10));
      fixed.run();
      await new Promise((r) => setTimeout(r, 10));
    }
    const measured = await turns.largest();
    turns.unwrap();
    const controlStep = measured.find((x) => x.step === 'control.run');
    const steps = measured.filter((x) => x !== controlStep);
    // The engine's own synchronous part (observe + evaluate), measured alone, outside the meter.
    const obs = { queues: engine.signals().queues.map((q) => ({ ref: q.ref, key: q.key, id: q.id, connection: q.connection, pending: q.pending, delayed: q.delayed, active: q.active, failed: q.failed, oldestAgeMs: q.wait.value, runtimeMs: q.runtime.value, consumers: q.consumers, paused: q.paused })), pools };
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      engine.observe((virtual += 1000), obs);
      engine.evaluate();
      syncMs.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
    await host.close();
    return {
      tickMs: median(walls), tickP95: [...walls].sort((a, b) => a - b)[Math.floor(walls.length * 0.95)], countsMs: median(countsOnly), engineSyncMs: median(syncMs), engineSyncMax: Math.max(...syncMs),
      maxBlockMs: block.maxBlockMs, typicalMaxBlockMs: block.typicalMaxBlockMs, countsMaxBlockMs: floor.maxBlockMs, maxDelayMs: block.maxDelayMs, maxGcMs: block.maxGcMs, findings: sampler.findings.length,
      youngKb: allocated.youngKb, oldKb: allocated.oldKb,
      stepP99: steps[0]?.p99 ?? 0, stepMax: Math.max(0, ...steps.map((x) => x.max)), steps: steps.slice(0, 5).map((x) => `${x.step} ${x.p99.toFixed(2)}/${x.max.toFixed(2)}`).join(', '),
      controlP99: controlStep?.p99 ?? NaN, controlMax: controlStep?.max ?? NaN,
    };
  } finally {
    conn.disconnect();
    await server.stop();
  }
}

async function main(): Promise<void> {
  console.log(`signals benchmark: node ${process.version}, ${new Date().toISOString()}`);
  if (process.env.BENCH_ONLY === 'tick') {
    console.log(JSON.stringify(await tick()));
    return;
  }
  const t = trendUpdates();
  console.log('');
  console.log('| trend updates (sliding window of 600)              | updates/s      | ratio             | target     |');
  console.log('|----------------------------------------------------|----------------|-------------------|------------|');
  const row = (a: string, b: string, c: string, d: string) => console.log(`| ${a.padEnd(50)} | ${b.padStart(14)} | ${c.padEnd(17)} | ${d.padEnd(10)} |`);
  row('streaming regression (O(1) add/remove)', `${(t.ours / 1e6).toFixed(1)} M`, '1.00x', '>= 1 M/s');
  row('refit of the window per sample (anchor)', `${(t.naive / 1e3).toFixed(1)} k`, `${(t.naive / t.ours).toFixed(3)}x`, '');
  row('typed-array store only (floor)', `${(t.floor / 1e6).toFixed(1)} M`, `${(t.floor / t.ours).toFixed(1)}x`, '');
  const h = historyMemory();
  console.log('');
  console.log('| history of 1000 series x 24 h at 1 Hz             | memory         | ratio             | target     |');
  console.log('|----------------------------------------------------|----------------|-------------------|------------|');
  row('tiers (1 s/1 h, 1 min/24 h, 1 h/30 d), typed arrays', `${h.totalMb.toFixed(1)} MB`, '1.00x', '<= 50 MB');
  row('  measured (heap + array buffers after GC)', `${h.heapMb.toFixed(1)} MB`, '', '');
  row('raw (time, value) float64 pairs for 24 h (anchor)', `${h.rawMb.toFixed(0)} MB`, `${(h.rawMb / h.totalMb).toFixed(0)}x`, '');
  console.log(`  (${h.bytesPerSeries} bytes a series; 86.4 M samples stored in ${h.fillSeconds.toFixed(1)} s)`);
  const k = await tick();
  console.log('');
  console.log('| one signals tick: 1000 Laravel queues + 50 workers | wall (median)  | ratio             | target     |');
  console.log('|----------------------------------------------------|----------------|-------------------|------------|');
  row('whole tick (counts, host, engine, findings)', `${k.tickMs.toFixed(2)} ms`, `${(k.tickMs / k.countsMs).toFixed(2)}x counts`, '<= 10 ms');
  row('queue counts alone (anchor: one round trip)', `${k.countsMs.toFixed(2)} ms`, '1.00x', '');
  row('engine observe + evaluate (synchronous)', `${k.engineSyncMs.toFixed(2)} ms`, `max ${k.engineSyncMax.toFixed(2)} ms`, '');
  row('largest event-loop block (less preemption and GC)', `${k.maxBlockMs.toFixed(2)} ms`, `GC max ${k.maxGcMs.toFixed(1)} ms`, '<= 5 ms');
  row('  the same, counts alone (anchor: the machine)', `${k.countsMaxBlockMs.toFixed(2)} ms`, '', '');
  row('largest synchronous step of Chaperone (p99)', `${k.stepP99.toFixed(2)} ms`, `max ${k.stepMax.toFixed(2)} ms`, '<= 2 ms');
  row(`  a fixed ${CONTROL_STEP_MS} ms step (anchor: the machine)`, `${k.controlP99.toFixed(2)} ms`, `max ${k.controlMax.toFixed(2)} ms`, '');
  console.log(`  (p95 tick ${k.tickP95.toFixed(2)} ms; ${k.findings} findings active; largest loop block of each second, median ${k.typicalMaxBlockMs.toFixed(2)} ms)`);
  console.log(`  (steps p99/max: ${k.steps} ms)`);
  console.log(`  (allocated by a tick, median: ${k.youngKb.toFixed(0)} KB in the young generation, ${k.oldKb.toFixed(0)} KB in the old)`);
  console.log(JSON.stringify({ trend: t, history: h, tick: k }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
