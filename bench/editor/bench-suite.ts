// Runs inside the real extension host (extensionTestsPath): measures Chaperone where it runs.
// - activation time;
// - the largest event-loop block while it supervises 50 workers and watches 1000 queues at 1 Hz
//   (views and dashboard visible), beside the same host with Chaperone stopped (the anchor);
// - dashboard first paint (page start -> first frame with the snapshot drawn, and open() -> that frame);
// - heap growth over N minutes of 1 Hz dashboard updates, after forced GCs.
import { writeFileSync } from 'node:fs';
import * as inspector from 'node:inspector';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import type { ChaperoneApi } from '../../src/host/host-root';
import { LoopBlockMeter } from '../loop-block-meter';
import { TurnMeter } from './turn-meter';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, fn: () => unknown, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const WORKERS = Number(process.env.BENCH_WORKERS ?? 50);
const QUEUES = Number(process.env.BENCH_QUEUES ?? 1000);
const BLOCK_SECONDS = Number(process.env.BENCH_BLOCK_SECONDS ?? 60);
const HEAP_MINUTES = Number(process.env.BENCH_HEAP_MINUTES ?? 10);

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<ChaperoneApi>('chaperone.chaperone');
  if (!ext) throw new Error('extension not loaded');
  const api = await ext.activate();
  const result: Record<string, unknown> = { activationMs: api.activation.ms, workers: WORKERS, queues: QUEUES };
  const running = (): number => api.host.engine?.supervisor.snapshot().pools.reduce((n, p) => n + p.workers.filter((w) => w.state === 'running').length, 0) ?? 0;
  const queues = (): number => api.host.engine?.signals?.lastSignals?.queues.length ?? 0;
  await vscode.commands.executeCommand('workbench.view.extension.chaperone');
  await waitFor(`${WORKERS} running workers`, () => running() === WORKERS, 180_000);
  await waitFor(`${QUEUES} queues`, () => queues() >= QUEUES, 60_000);

  // The anchor: this extension host with Chaperone stopped (other extensions, VS Code's own work).
  await api.host.stop();
  await sleep(2000);
  const meter = new LoopBlockMeter();
  meter.start();
  await sleep(BLOCK_SECONDS * 1000); // as long as the loaded run: a largest block over the same time
  result.anchor = await meter.stop();

  await api.host.start();
  await waitFor(`${WORKERS} running workers again`, () => running() === WORKERS, 180_000);
  await waitFor(`${QUEUES} queues again`, () => queues() >= QUEUES, 60_000);
  await vscode.commands.executeCommand('chaperone.openDashboard');
  await waitFor('the dashboard', () => api.dashboard.received.painted.length > 0, 60_000);
  const deltas0 = api.dashboard.stats.deltas;
  const ticks0 = Date.now();
  const session = process.env.BENCH_PROFILE ? new inspector.Session() : undefined;
  const post = (m: string, p?: object): Promise<unknown> => new Promise((res, rej) => session?.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
  if (session) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
  }
  const turns = new TurnMeter();
  const engine = api.host.engine;
  turns.wrap('engine', engine?.signalsEngine, ['observe', 'observeQueues', 'queueSignalsOf', 'signals', 'recordDerived', 'breachesOf', 'stepEvaluation', 'endEvaluation']);
  for (const c of engine?.queues?.connections ?? []) for (const a of c.adapters) turns.wrap(`${a.system}`, a, ['counts', 'flow', 'discover']);
  turns.wrap('view.queues', api.queues, ['update']);
  turns.wrap('view.tenants', api.tenants, ['update']);
  turns.wrap('view.workers', api.workers, ['update']);
  turns.wrap('statusBar', api.statusBar, ['update']);
  turns.wrap('diagnostics', api.diagnostics, ['update']);
  turns.wrap('dashboard', api.dashboard, ['tick']);
  turns.wrap('history', api.history, ['afterTick']);
  meter.start();
  await sleep(BLOCK_SECONDS * 1000);
  result.loaded = await meter.stop();
  result.steps = (await turns.largest()).slice(0, 8);
  turns.unwrap();
  if (session && process.env.BENCH_PROFILE) {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile));
    session.disconnect();
  }
  result.deltasPerSecond = (api.dashboard.stats.deltas - deltas0) / ((Date.now() - ticks0) / 1000);
  result.tickMs = api.host.engine?.signals?.lastTickMs;

  // First paint, five times: a fresh page each time.
  const paints: { pageMs: number; openMs: number }[] = [];
  for (let i = 0; i < 5; i++) {
    api.dashboard.close();
    await sleep(1500);
    const n = api.dashboard.received.painted.length;
    const t0 = performance.now();
    await vscode.commands.executeCommand('chaperone.openDashboard');
    await waitFor('a paint', () => api.dashboard.received.painted.length > n, 30_000);
    paints.push({ pageMs: api.dashboard.received.painted[n], openMs: performance.now() - t0 });
  }
  result.paints = paints;

  // Heap: forced GCs (V8's flag set at run time), the dashboard open and updating at 1 Hz.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const heap = (): number => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  await sleep(60_000); // warm: caches, history tiers and JIT settle first
  const samples: number[] = [heap()];
  for (let m = 0; m < HEAP_MINUTES; m++) {
    await sleep(60_000);
    samples.push(heap());
  }
  result.heapSamplesMb = samples.map((b) => Math.round((b / 1048576) * 100) / 100);
  result.heapGrowthMb = (samples[samples.length - 1] - samples[0]) / 1048576;
  result.heapMinutes = HEAP_MINUTES;
  result.deltasTotal = api.dashboard.stats.deltas;
  if (process.env.CHAPERONE_BENCH_OUT) writeFileSync(process.env.CHAPERONE_BENCH_OUT, JSON.stringify(result, null, 2));
  await api.host.stop();
}
