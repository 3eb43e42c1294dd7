// `npm run bench:editor`: Chaperone inside a real VS Code (the test harness's code-server) with 50
// supervised workers and 1000 Laravel queues on a private redis-server, sampled at 1 Hz while its
// views and dashboard are visible. Prints each figure beside its anchor and target.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runTests } from '@vscode/test-electron';
import { LaravelKeys } from '../src/queues/laravel/laravel-keys';
import { ROOT } from '../test/helpers/paths';
import { TestRedis } from '../test/helpers/redis-server';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 50);
const QUEUES = Number(process.env.BENCH_QUEUES ?? 1000);

interface Block { maxBlockMs: number; typicalMaxBlockMs: number; maxDelayMs: number; maxGcMs: number; stealMs: number | null }

async function main(): Promise<void> {
  execFileSync('bash', [path.join(ROOT, 'test', 'vscode', 'install-code-server.sh')], { stdio: 'inherit' });
  const redis = await TestRedis.start();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'chaperone-bench-'));
  try {
    const conn = redis.client();
    const lk = new LaravelKeys();
    const fill = conn.pipeline();
    for (let i = 0; i < QUEUES; i++) fill.rpush(lk.pending(`lq-${i}`), JSON.stringify({ uuid: `u-${i}`, displayName: 'App\\Jobs\\SendMail', job: 'Illuminate\\Queue\\CallQueuedHandler@call', data: {}, id: `j-${i}`, attempts: 0 }));
    await fill.exec();
    conn.disconnect();
    const ws = path.join(tmp, 'ws');
    execFileSync('mkdir', ['-p', ws]);
    writeFileSync(path.join(ws, 'chaperone.json'), JSON.stringify({
      redis: { url: redis.url },
      queues: { laravel: {} },
      pools: { bench: { command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], processes: WORKERS, restart: { minUptime: '500ms' }, stop: { timeout: '5s' } } },
      thresholds: { queues: { 'laravel:*': { depth: { warning: 100 } } } },
      signals: { interval: '1s', idleInterval: '1s' },
    }, null, 2));
    const out = path.join(tmp, 'result.json');
    await runTests({
      vscodeExecutablePath: path.join(ROOT, 'test', 'vscode', 'code-shim.sh'),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'bench', 'editor', 'bench-suite.js'),
      launchArgs: [ws, `--user-data-dir=${path.join(tmp, 'user-data')}`],
      extensionTestsEnv: { CHAPERONE_BENCH_OUT: out, EXT_TEST_TIMEOUT_MS: String(60 * 60_000) },
    });
    const r = JSON.parse(readFileSync(out, 'utf8')) as {
      activationMs: number; anchor: Block; loaded: Block; deltasPerSecond: number; tickMs: number;
      paints: { pageMs: number; openMs: number }[]; heapGrowthMb: number; heapMinutes: number; heapSamplesMb: number[]; steps: { step: string; p99: number; max: number; n: number }[];
    };
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const f = (x: number): string => x.toFixed(1);
    console.log(`\nChaperone in a real VS Code extension host: ${WORKERS} workers, ${QUEUES} Laravel queues, 1 Hz, views + dashboard visible`);
    console.log(`  activation                         ${f(r.activationMs)} ms`);
    // The target is what Chaperone adds to the host's own largest block (issue 13): at most 1 ms. It
    // is judged on the largest block of each second (the median over the seconds): the window's
    // single maximum is decided by the hypervisor's pauses (steal), with or without Chaperone.
    const added = r.loaded.typicalMaxBlockMs - r.anchor.typicalMaxBlockMs;
    const steal = (b: Block): string => (b.stealMs === null ? 'unknown' : `${b.stealMs} ms`);
    console.log(`  largest loop block of each second  ${f(r.loaded.typicalMaxBlockMs)} ms (median over the seconds)   anchor, same host with Chaperone stopped: ${f(r.anchor.typicalMaxBlockMs)} ms   adds ${f(added)} ms, target ≤ +1 ms: ${added <= 1 ? 'met' : 'MISSED'}`);
    console.log(`  largest loop block of the window   ${f(r.loaded.maxBlockMs)} ms   anchor ${f(r.anchor.maxBlockMs)} ms   (CPU stolen by the hypervisor meanwhile: ${steal(r.loaded)} / anchor ${steal(r.anchor)})`);
    console.log(`     (largest delay incl. scheduling ${f(r.loaded.maxDelayMs)} ms / anchor ${f(r.anchor.maxDelayMs)} ms; largest GC pause ${f(r.loaded.maxGcMs)} ms / anchor ${f(r.anchor.maxGcMs)} ms)`);
    console.log(`  Chaperone's steps (sync), p99/max  ${r.steps.map((s) => `${s.step} ${f(s.p99)}/${f(s.max)}`).join(', ')} ms`);
    console.log(`  signals tick (async, wall)         ${f(r.tickMs)} ms; dashboard deltas ${r.deltasPerSecond.toFixed(2)}/s`);
    console.log(`  dashboard first paint (page)       ${f(med(r.paints.map((p) => p.pageMs)))} ms median of ${r.paints.length}   target ≤ 300 ms: ${med(r.paints.map((p) => p.pageMs)) <= 300 ? 'met' : 'MISSED'}`);
    console.log(`  dashboard open -> painted (host)   ${f(med(r.paints.map((p) => p.openMs)))} ms median`);
    console.log(`  heap growth over ${r.heapMinutes} min at 1 Hz    ${r.heapGrowthMb.toFixed(2)} MB (samples ${r.heapSamplesMb.join(', ')} MB)   target ≤ 5 MB: ${r.heapGrowthMb <= 5 ? 'met' : 'MISSED'}`);
  } finally {
    await redis.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
