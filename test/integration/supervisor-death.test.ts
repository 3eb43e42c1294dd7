// Any death of the supervising processes ends with every worker stopped or adopted, never doubled.
// Real `chaperone supervise` processes, real spawners and reapers, real workers; the tests count the
// workers' processes (each appends its pid to a file when it starts).
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runtimePaths } from '../../src/node/spawner/runtime-paths';
import { readRuntimeState } from '../../src/node/spawner/runtime-state';
import { node, startEngine, tempDir } from '../helpers/engine-harness';
import { CLI, FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { runCli } from '../helpers/run-cli';
import { runScript } from '../helpers/run-script';
import { isAlive, sleep, waitFor } from '../helpers/wait';

const COUNTED = path.join(FIXTURES, 'workers', 'counted.js');
const RQ = path.join(FIXTURES, 'rq');

interface Setup {
  dir: string;
  config: string;
  pidsFile: string;
  runtime: string;
  env: Record<string, string>;
}

function setup(processes: number, opts: { grace?: string; stopTimeout?: string; stopDelayMs?: number } = {}): Setup {
  const dir = tempDir();
  const pidsFile = path.join(dir, 'pids');
  writeFileSync(pidsFile, '');
  const config = path.join(dir, 'chaperone.json');
  writeFileSync(config, JSON.stringify({
    supervisor: { handoverGrace: opts.grace ?? '1s' },
    pools: {
      counted: {
        command: node(COUNTED), processes, env: { PIDS_FILE: pidsFile, STOP_DELAY_MS: String(opts.stopDelayMs ?? 0) },
        restart: { minUptime: '200ms' }, stop: { timeout: opts.stopTimeout ?? '2s' },
      },
    },
  }));
  const runtime = path.join(dir, 'run');
  return { dir, config, pidsFile, runtime, env: { CHAPERONE_RUNTIME_DIR: runtime } };
}

const started = (s: Setup): number[] => readFileSync(s.pidsFile, 'utf8').split('\n').filter(Boolean).map(Number);
const alive = (s: Setup): number[] => started(s).filter(isAlive);

/** `chaperone supervise` in a process group of its own (as a terminal or a service manager runs it). */
function supervise(s: Setup): ChildProcess {
  const p = spawn(process.execPath, [CLI, 'supervise', '--config', s.config, '--no-signals', '--quiet'], {
    cwd: s.dir, env: { ...process.env, ...s.env }, detached: true, stdio: ['ignore', 'ignore', 'pipe'],
  });
  p.stderr?.on('data', () => undefined);
  return p;
}

async function spawnerOf(s: Setup): Promise<{ spawner: number; children: number[] }> {
  return waitFor(async () => {
    const st = await readRuntimeState(runtimePaths(s.config, s.runtime).state);
    return st && st !== 'invalid' && st.children.length ? { spawner: st.spawner.pid, children: st.children.map((c) => c.pid) } : undefined;
  }, 'the runtime state file');
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // gone
  }
}

/** Watches the number of live workers every 20 ms; returns the largest seen. */
function watchPeak(s: Setup): { stop: () => number } {
  let peak = 0;
  const t = setInterval(() => (peak = Math.max(peak, alive(s).length)), 20);
  return { stop: () => (clearInterval(t), peak) };
}

describe('no worker lost or doubled when the supervising processes die', function () {
  this.timeout(60_000);
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((f) => f()));
  const track = (s: Setup, p: ChildProcess): void => {
    cleanup.push(() => {
      killGroup(p.pid as number, 'SIGKILL');
      for (const pid of started(s)) killGroup(pid, 'SIGKILL');
    });
  };

  it('SIGKILL of supervise and its spawner together: the reaper stops every worker within the stop timeout', async () => {
    const s = setup(3, { stopTimeout: '2s' });
    const sup = supervise(s);
    track(s, sup);
    await waitFor(() => alive(s).length === 3, '3 workers');
    const { spawner } = await spawnerOf(s);
    process.kill(sup.pid as number, 'SIGKILL');
    process.kill(spawner, 'SIGKILL');
    const t0 = Date.now();
    await waitFor(() => alive(s).length === 0, 'every worker stopped', 5000);
    assert.ok(Date.now() - t0 < 2500, `stopped after ${Date.now() - t0}ms`);
  });

  it('SIGKILL of the whole process group of supervise: the spawner (in its own session) stops them after the grace', async () => {
    const s = setup(3, { grace: '1s', stopTimeout: '2s' });
    const sup = supervise(s);
    track(s, sup);
    await waitFor(() => alive(s).length === 3, '3 workers');
    killGroup(sup.pid as number, 'SIGKILL');
    await sleep(500);
    assert.equal(alive(s).length, 3, 'kept during the grace period');
    await waitFor(() => alive(s).length === 0, 'every worker stopped after the grace', 5000);
  });

  it('SIGTERM to the whole process group: supervise drains and every worker is gone', async () => {
    const s = setup(3);
    const sup = supervise(s);
    track(s, sup);
    await waitFor(() => alive(s).length === 3, '3 workers');
    const exited = new Promise<number | null>((r) => sup.once('exit', (code) => r(code)));
    killGroup(sup.pid as number, 'SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(alive(s), []);
  });

  it('SIGHUP (the terminal closed): supervise drains too', async () => {
    const s = setup(2);
    const sup = supervise(s);
    track(s, sup);
    await waitFor(() => alive(s).length === 2, '2 workers');
    const exited = new Promise<number | null>((r) => sup.once('exit', (code) => r(code)));
    killGroup(sup.pid as number, 'SIGHUP');
    assert.equal(await exited, 0);
    assert.deepEqual(alive(s), []);
  });

  it('SIGKILL of supervise alone, then a new supervise within the grace: it adopts the same workers, none started', async () => {
    const s = setup(3, { grace: '20s' });
    const first = supervise(s);
    track(s, first);
    await waitFor(() => alive(s).length === 3, '3 workers');
    const before = alive(s).sort();
    process.kill(first.pid as number, 'SIGKILL');
    await sleep(300);
    const peak = watchPeak(s);
    const second = supervise(s);
    track(s, second);
    await sleep(2000);
    assert.equal(peak.stop(), 3, 'never more than 3 workers');
    assert.deepEqual(alive(s).sort(), before, 'the same three processes, taken over');
    assert.equal(started(s).length, 3, 'no worker was started');
  });

  it('the grace is the supervisor in control\'s own: an edited handoverGrace holds from the next takeover, not only for a new spawner', async () => {
    // The first supervise forks the spawner with a 30 s grace; the second, with 1 s, takes it over.
    const s = setup(2, { grace: '30s', stopTimeout: '2s' });
    const first = supervise(s);
    track(s, first);
    await waitFor(() => alive(s).length === 2, '2 workers');
    const before = alive(s).sort();
    const { spawner } = await spawnerOf(s);
    process.kill(first.pid as number, 'SIGKILL');
    await sleep(300);
    writeFileSync(s.config, readFileSync(s.config, 'utf8').replace('"30s"', '"1s"'));
    const second = supervise(s);
    track(s, second);
    await waitFor(async () => {
      const st = await readRuntimeState(runtimePaths(s.config, s.runtime).state);
      return st && st !== 'invalid' && st.spawner.pid === spawner && st.controller?.pid === second.pid;
    }, 'the second supervise in control of the same spawner');
    assert.deepEqual(alive(s).sort(), before, 'the second supervise took the same workers over');
    killGroup(second.pid as number, 'SIGKILL');
    // Well inside the 30 s the spawner was forked with: only the second supervise's 1 s stops them this soon.
    await waitFor(() => alive(s).length === 0, 'every worker stopped after the second supervise\'s 1 s grace', 10_000);
    assert.equal(started(s).length, 2, 'no worker was started');
  });

  it('everything killed (supervise, spawner, reaper): the next supervise stops the leftovers first, never two sets', async () => {
    const s = setup(3, { grace: '20s', stopTimeout: '3s', stopDelayMs: 800 });
    const first = supervise(s);
    track(s, first);
    await waitFor(() => alive(s).length === 3, '3 workers');
    const { spawner } = await spawnerOf(s);
    const old = alive(s);
    // The reaper is the spawner's only other child: find it by its parent.
    const reaper = findChildOf(spawner, 'reaper.js');
    assert.ok(reaper, 'the spawner runs a reaper');
    for (const pid of [first.pid as number, spawner, reaper]) process.kill(pid, 'SIGKILL');
    await sleep(300);
    assert.equal(alive(s).length, 3, 'the workers are orphans now');
    const peak = watchPeak(s);
    const second = supervise(s);
    track(s, second);
    await waitFor(() => old.every((p) => !isAlive(p)) && alive(s).length === 3, 'old set stopped, a new set of 3', 15_000);
    assert.equal(peak.stop(), 3, 'never more than 3 workers at once');
  });

  it("workers never inherit Chaperone's own secrets; they get what their pool declares", async () => {
    const dir = tempDir();
    const out = path.join(dir, 'env.json');
    const saved = { ...process.env };
    Object.assign(process.env, { CHAPERONE_REDIS_PASSWORD: 's3cret', CHAPERONE_REDIS_PASSWORD_PROD: 's3cret2', CHAPERONE_SENTINEL_PASSWORD: 's3cret3', UNRELATED: 'kept' });
    try {
      const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env)); setInterval(() => {}, 1e6)`;
      const h = await startEngine({ pools: { env: { command: [process.execPath, '-e', script], env: { DECLARED: 'yes' }, processes: 1 } } }, { dir, runtimeDir: path.join(dir, 'run') });
      cleanup.push(() => void h.engine.shutdown(1000));
      const env = await waitFor(() => JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>, 'the worker wrote its environment');
      assert.equal(env.DECLARED, 'yes');
      assert.equal(env.UNRELATED, 'kept');
      assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('CHAPERONE_') && /PASSWORD|USERNAME/.test(k)), []);
      assert.ok(!JSON.stringify(env).includes('s3cret'));
    } finally {
      process.env = saved;
    }
  });

  it('a second supervise of the same config is refused while the first runs', async () => {
    const s = setup(1);
    const first = supervise(s);
    track(s, first);
    await waitFor(() => alive(s).length === 1, '1 worker');
    const r = await runCli(['supervise', '--config', s.config, '--no-signals'], { cwd: s.dir, env: s.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /already supervised by pid \d+/);
    assert.equal(alive(s).length, 1);
    assert.equal(started(s).length, 1);
  });

  it('a pid in the state file that now belongs to another process is never signalled', async () => {
    const s = setup(1);
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    cleanup.push(() => bystander.kill('SIGKILL'));
    const paths = runtimePaths(s.config, s.runtime);
    mkdirSync(paths.dir, { recursive: true });
    // An earlier supervisor's worker had this pid, with another start time: the pid was reused since.
    writeFileSync(paths.state, JSON.stringify({
      v: 1, spawner: { pid: 999_999, startTime: '1' }, controller: null,
      children: [{ pid: bystander.pid, startTime: '1', pool: 'counted', workerId: 'counted-1', startedAt: 1, stopSignal: 'SIGTERM', stopTimeoutMs: 100 }],
    }));
    const h = await startEngine(JSON.parse(readFileSync(s.config, 'utf8')) as object, { dir: s.dir, runtimeDir: s.runtime });
    cleanup.push(() => void h.engine.shutdown(1000));
    await waitFor(() => h.running('counted').length === 1, 'the pool runs');
    assert.ok(isAlive(bystander.pid as number), 'the bystander was not signalled');
  });

  it('an engine that detaches hands its workers, scale and restart counts to the next one: never zero workers', async () => {
    const s = setup(1, { grace: '20s' });
    const cfg = JSON.parse(readFileSync(s.config, 'utf8')) as { pools: { counted: Record<string, unknown> } };
    cfg.pools.counted.processes = { min: 1, max: 5, initial: 1 };
    const a = await startEngine(cfg, { dir: s.dir, runtimeDir: s.runtime });
    cleanup.push(() => void a.engine.shutdown(1000));
    a.engine.supervisor.pools.get('counted')?.scale(3);
    await waitFor(() => a.running('counted').length === 3, '3 running');
    // One worker crashes and is restarted: its restart count travels with it.
    const crashed = a.workers('counted')[0];
    process.kill(crashed.pid as number, 'SIGKILL');
    await waitFor(() => crashed.restarts === 1 && a.running('counted').length === 3, 'the crashed worker restarted');
    const restarts = Object.fromEntries(a.workers('counted').map((w) => [w.id, w.restarts]));
    const before = alive(s).sort();
    let low = Infinity;
    const sample = (): void => void (low = Math.min(low, alive(s).length));
    const t = setInterval(sample, 5);
    await a.engine.detach();
    const detachedAt = Date.now();
    sample();
    await sleep(300);
    const b = await startEngine(cfg, { dir: s.dir, runtimeDir: s.runtime });
    const waitedAtMost = Date.now() - detachedAt;
    sample();
    // The new engine says how long the workers waited for it, against the grace they had.
    const said = b.logs.find((l) => l.includes('took over 3 worker(s)')) ?? b.logs.join('\n');
    const m = /took over 3 worker\(s\) from the previous supervisor of this config ([\d.]+)(ms|s) after it left \(they were kept for up to 20s, supervisor\.handoverGrace\)/.exec(said);
    assert.ok(m, said);
    const waited = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
    assert.ok(waited >= 250 && waited <= waitedAtMost + 100, `waited ${waited} ms: between the 300 ms slept and the ${waitedAtMost} ms from detach to start`);
    cleanup.push(() => void b.engine.shutdown(1000));
    await waitFor(() => b.running('counted').length === 3, '3 running in the new engine');
    sample();
    clearInterval(t);
    assert.equal(low, 3, 'the workers never went away');
    assert.deepEqual(b.workers('counted').map((w) => w.pid).sort(), before);
    assert.equal(b.engine.supervisor.pools.get('counted')?.desired, 3, 'the manual scale is kept');
    assert.deepEqual(Object.fromEntries(b.workers('counted').map((w) => [w.id, w.restarts])), restarts, 'restart counts are kept');
    assert.deepEqual(alive(s).sort(), before);
    // A new worker gets a new number, never one that is in use.
    b.engine.supervisor.pools.get('counted')?.scale(4);
    await waitFor(() => b.running('counted').length === 4, '4 running');
    assert.equal(new Set(b.workers('counted').map((w) => w.id)).size, 4);
    await b.engine.shutdown(2000);
    assert.deepEqual(alive(s), []);
  });

  it('SIGKILL of the process group with a real RQ (Python) worker: it is stopped after the grace and takes no more jobs', async () => {
    const redis = await TestRedis.start();
    cleanup.push(() => void redis.stop());
    const s = setup(1);
    writeFileSync(s.config, JSON.stringify({
      supervisor: { handoverGrace: '1s' },
      pools: { rq: { command: [path.join(RQ, 'worker.sh')], processes: 1, env: { REDIS_URL: redis.url, QUEUE: 'death', JOB_MS: '10' }, stop: { timeout: '5s' } } },
    }));
    const sup = supervise(s);
    const { children: [pid] } = await spawnerOf(s);
    cleanup.push(() => killGroup(sup.pid as number, 'SIGKILL'), () => killGroup(pid, 'SIGKILL'));
    const c = redis.client();
    cleanup.push(() => c.disconnect());
    await waitFor(async () => {
      for (const k of await c.smembers('rq:workers')) if (Number(await c.hget(k, 'pid')) === pid) return true;
      return undefined;
    }, 'the RQ worker registered', 20_000, 100);
    killGroup(sup.pid as number, 'SIGKILL');
    await sleep(500);
    assert.ok(isAlive(pid), 'kept during the grace period');
    await waitFor(() => !isAlive(pid), 'the RQ worker stopped after the grace', 10_000);
    // RQ's warm shutdown deregisters it; nothing takes a job any more.
    assert.deepEqual(await c.smembers('rq:workers'), []);
    const [id] = (await runScript('/usr/bin/python3', path.join(RQ, 'producer.py'), ['death', '1'], { REDIS_URL: redis.url })).trim().split('\n');
    await sleep(1500);
    assert.equal(await c.hget(`rq:job:${id}`, 'status'), 'queued', 'the job waits: no worker took it');
  });
});

function findChildOf(parent: number, script: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(script)) return Number(name);
    } catch {
      // raced with an exit
    }
  }
  return undefined;
}
