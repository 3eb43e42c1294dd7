// npm run bench:supervisor — PM2 vs Chaperone vs a raw spawn() baseline, same machine, same run,
// same worker, medians of >= 5. Not a test: it prints figures and the targets beside them.
import { TestRedis } from '../test/helpers/redis-server';
import { isAlive, sleep } from '../test/helpers/wait';
import { ChaperoneContender, Pm2Contender, RawContender, type Contender } from './contenders';
import { LoopBlockMeter } from './loop-block-meter';
import { ReadyServer } from './ready-server';

// Node start-up on this machine pays ~140 ms for NODE_EXTRA_CA_CERTS; it would drown the differences.
delete process.env.NODE_EXTRA_CA_CERTS;

const REPS = Number(process.env.BENCH_REPS ?? 5);
const N = 50;
// A minute: the idle supervisor's occasional work (a scavenge every few seconds, a mark-compact now
// and then) is a third of a 30 s window's figure when it falls in it, and none when it does not.
const CPU_WINDOW_MS = Number(process.env.BENCH_CPU_MS ?? 60_000);
// All contenders share this process: let the previous phases' garbage be collected before the
// steady-state CPU window, or V8's memory reducer (which runs once the allocation rate has dropped
// for a while, 15-20 s after the workers started here) is billed to whoever comes next.
const CPU_SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 30_000);
// A restart takes ~1 s of waiting per round: more rounds are cheap and steady the median.
const RESTART_REPS = Math.max(REPS, 15);

interface Figures {
  restartMs: number;
  start50Ms: number;
  stop50Ms: number;
  cpuPercent: number;
  maxBlockMs: number | null;
  maxDelayMs: number | null;
  maxGcMs: number | null;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function waitGone(pids: number[]): Promise<void> {
  while (pids.some(isAlive)) await sleep(2);
}

/** Supervisor CPU with 50 idle workers (Chaperone samples them at 1 Hz), after a settle. */
async function idleCpu(c: Contender, ready: ReadyServer): Promise<number> {
  const mark = ready.mark;
  await c.start(N);
  await ready.waitReady(N, mark);
  await sleep(CPU_SETTLE_MS);
  const cpu0 = c.cpuMs();
  const w0 = performance.now();
  await sleep(CPU_WINDOW_MS);
  const cpuPercent = ((c.cpuMs() - cpu0) / (performance.now() - w0)) * 100;
  const pids = ready.pids();
  await c.stop();
  await waitGone(pids);
  await c.reset?.();
  return cpuPercent;
}

async function measure(c: Contender, ready: ReadyServer, inProcess: boolean, cpu: () => Promise<number> = () => idleCpu(c, ready)): Promise<Figures> {
  // crash -> new worker up
  const restarts: number[] = [];
  let mark = ready.mark;
  await c.start(1);
  await ready.waitReady(1, mark);
  for (let i = 0; i < RESTART_REPS + 2; i++) {
    await sleep(1100); // past every contender's min uptime: each crash is a "stable" one
    const [pid] = ready.pids();
    mark = ready.mark;
    const t0 = performance.now();
    ready.crash(pid);
    const t1 = await ready.waitReady(1, mark, (p) => p !== pid);
    if (i >= 2) restarts.push(t1 - t0); // two warm-up rounds
  }
  await c.stop();
  await c.reset?.();
  await sleep(300);

  // start 50, stop 50
  const starts: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < REPS; i++) {
    mark = ready.mark;
    const t0 = performance.now();
    await c.start(N);
    const t1 = await ready.waitReady(N, mark);
    starts.push(t1 - t0);
    await sleep(300);
    const pids = ready.pids();
    const s0 = performance.now();
    await c.stop();
    await waitGone(pids);
    stops.push(performance.now() - s0);
    await c.reset?.();
    await sleep(300);
  }

  // The largest event-loop block of this (the host) process while 50 workers start.
  const blocks: number[] = [];
  const delays: number[] = [];
  const gcs: number[] = [];
  if (inProcess) {
    for (let i = 0; i < REPS; i++) {
      const meter = new LoopBlockMeter();
      mark = ready.mark;
      meter.start();
      await c.start(N);
      await ready.waitReady(N, mark);
      const m = await meter.stop();
      blocks.push(m.maxBlockMs);
      delays.push(m.maxDelayMs);
      gcs.push(m.maxGcMs);
      const pids = ready.pids();
      await c.stop();
      await waitGone(pids);
      await c.reset?.();
      await sleep(300);
    }
  }

  const cpuPercent = await cpu();
  return { restartMs: median(restarts), start50Ms: median(starts), stop50Ms: median(stops), cpuPercent, maxBlockMs: inProcess ? Math.max(...blocks) : null, maxDelayMs: inProcess ? Math.max(...delays) : null, maxGcMs: inProcess ? Math.max(...gcs) : null };
}

function fmt(x: number | null, unit: string, digits = 1): string {
  return x === null ? 'n/a' : `${x.toFixed(digits)}${unit}`;
}

let cpuAt1sHeartbeat = NaN;

async function main(): Promise<void> {
  const ready = new ReadyServer();
  await ready.listen();
  const redis = await TestRedis.start();
  const results: Record<string, Figures> = {};
  try {
    const raw = new RawContender(ready.port);
    process.stderr.write('measuring raw spawn...\n');
    results.raw = await measure(raw, ready, true);
    await raw.teardown();

    const chap = new ChaperoneContender(ready.port, redis.url);
    await chap.init();
    process.stderr.write('measuring Chaperone...\n');
    // Chaperone's idle CPU comes from fresh engines (default 2 s and 1 s heartbeat), each measured
    // the same way: the engine that just ran the start/stop phases would bill their garbage
    // collection to the idle window.
    const freshCpu = async (heartbeat: string): Promise<number> => {
      const fresh = new ChaperoneContender(ready.port, redis.url, heartbeat);
      await fresh.init();
      process.stderr.write(`measuring Chaperone idle CPU with a ${heartbeat} heartbeat...\n`);
      try {
        return await idleCpu(fresh, ready);
      } finally {
        await fresh.teardown();
      }
    };
    results.chaperone = await measure(chap, ready, true, async () => NaN);
    await chap.teardown();
    results.chaperone.cpuPercent = await freshCpu('2s');
    cpuAt1sHeartbeat = await freshCpu('1s');

    const pm2 = new Pm2Contender(ready.port);
    await pm2.init();
    process.stderr.write('measuring PM2...\n');
    try {
      results.pm2 = await measure(pm2, ready, false);
    } finally {
      await pm2.teardown();
    }
  } finally {
    ready.close();
    await redis.stop();
  }
  const { raw, chaperone: ch, pm2 } = results;
  const rows: string[][] = [
    ['crash -> new worker up', fmt(pm2.restartMs, ' ms'), fmt(ch.restartMs, ' ms'), fmt(raw.restartMs, ' ms'), `${(ch.restartMs / pm2.restartMs).toFixed(2)}x PM2, ${(ch.restartMs / raw.restartMs).toFixed(2)}x raw`, '<= 0.5x PM2, <= 1.15x raw'],
    ['start 50 workers', fmt(pm2.start50Ms, ' ms', 0), fmt(ch.start50Ms, ' ms', 0), fmt(raw.start50Ms, ' ms', 0), `${(ch.start50Ms / pm2.start50Ms).toFixed(2)}x PM2`, '<= 0.4x PM2'],
    ['stop 50 workers', fmt(pm2.stop50Ms, ' ms', 0), fmt(ch.stop50Ms, ' ms', 0), fmt(raw.stop50Ms, ' ms', 0), `1/${(pm2.stop50Ms / ch.stop50Ms).toFixed(0)} of PM2`, '<= 1/30 PM2'],
    ['supervisor CPU, 50 idle, 1 Hz sampling', fmt(pm2.cpuPercent, ' %', 2), fmt(ch.cpuPercent, ' %', 2), fmt(raw.cpuPercent, ' %', 2), `(${fmt(cpuAt1sHeartbeat, ' %', 2)} with a 1 s heartbeat)`, '<= 0.4 %'],
    ['largest event-loop block, starting 50 (less preemption)', 'n/a (daemon)', fmt(ch.maxBlockMs, ' ms'), fmt(raw.maxBlockMs, ' ms'), '', '<= 5 ms'],
    ['largest loop delay, starting 50 (incl. preemption)', 'n/a (daemon)', fmt(ch.maxDelayMs, ' ms'), fmt(raw.maxDelayMs, ' ms'), '', ''],
    ['largest V8 GC pause, starting 50', 'n/a (daemon)', fmt(ch.maxGcMs, ' ms'), fmt(raw.maxGcMs, ' ms'), '', ''],
  ];
  const header = ['metric', 'PM2', 'Chaperone', 'raw spawn', 'ratio', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`supervisor benchmark: medians of ${REPS} (restart: ${RESTART_REPS}; block, delay and GC: the largest of ${REPS}), Chaperone with its default 2 s heartbeat, ${N} workers, node ${process.version}, ${new Date().toISOString()}`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  rows.forEach((r) => console.log(line(r)));
  console.log(JSON.stringify(results));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
