import { strict as assert } from 'node:assert';
import { parseConfigText } from '../../src/core/config/parse-config';
import type { PoolConfig } from '../../src/core/config/types';
import { Pool } from '../../src/core/pool';
import type { Logger } from '../../src/core/ports';
import { Worker } from '../../src/core/worker';
import { debugLaunch, runtimeOf } from '../../src/core/debug-launch';
import { FakeClock } from '../helpers/fake-clock';
import { FakeRunner } from '../helpers/fake-runner';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function poolConfig(extra: object = {}): PoolConfig {
  const text = JSON.stringify({
    pools: { p: { command: ['w'], processes: { min: 0, max: 5, initial: 2 }, restart: { delay: '100ms', factor: 2, jitter: 0, minUptime: '1s', maxRestarts: 3, window: '60s' }, stop: { timeout: '5s' }, ...extra } },
  });
  return parseConfigText(text, '/x/chaperone.json').config.pools[0];
}

function setup(extra: object = {}) {
  const clock = new FakeClock();
  const runner = new FakeRunner();
  const deps = { clock, runner, random: () => 0.5, logger: quiet };
  const cfg = poolConfig(extra);
  const worker = () => new Worker('w-1', 'p', { workerId: 'w-1', pool: 'p', stop: { signal: 'SIGTERM', timeoutMs: 1000 }, argv: ['w'], cwd: '/', env: {} }, cfg.restart, deps, 100);
  const pool = () => new Pool(cfg, deps, 100);
  return { clock, runner, worker, pool };
}

describe('worker state machine (fake clock)', () => {
  it('is running only after minUptime', async () => {
    const { clock, worker } = setup();
    const w = worker();
    w.start();
    await clock.advance(0);
    assert.equal(w.state, 'starting');
    await clock.advance(999);
    assert.equal(w.state, 'starting');
    await clock.advance(1);
    assert.equal(w.state, 'running');
  });

  it('crash -> backoff (100, 200, 400ms) -> starting, then fatal after the budget; restartNow recovers', async () => {
    const { clock, runner, worker } = setup();
    const w = worker();
    w.start();
    for (let i = 0; i < 3; i++) {
      await clock.advance(10);
      runner.exit(runner.alive()[0], 1, null);
      assert.equal(w.state, 'backoff');
      assert.equal(w.snapshot().lastExit?.code, 1);
      await clock.advance(10_000);
      assert.ok(runner.procs.at(-1)?.alive);
      assert.equal(w.restarts, i + 1);
    }
    await clock.advance(10);
    runner.exit(runner.alive()[0], 1, null);
    assert.equal(w.state, 'fatal');
    assert.match(w.fatalReason ?? '', /restarted 3 times within 60s/);
    assert.equal(runner.alive().length, 0);
    w.restartNow();
    await clock.advance(1000);
    assert.equal(w.state, 'running');
  });

  it('measures the backoff exactly on the fake clock', async () => {
    const { clock, runner, worker } = setup();
    const w = worker();
    w.start();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      await clock.advance(10);
      runner.exit(runner.alive()[0], 1, null);
      const exitedAt = clock.now();
      const count = runner.procs.length;
      while (runner.procs.length === count) await clock.advance(1);
      delays.push(clock.now() - exitedAt);
    }
    assert.deepEqual(delays, [100, 200, 400]);
  });

  it('a spawn failure is fatal at once with its reason', async () => {
    const { clock, runner, worker } = setup();
    runner.failNext = { code: 'ENOENT', message: 'command not found: w' };
    const w = worker();
    w.start();
    await clock.advance(0);
    assert.equal(w.state, 'fatal');
    assert.match(w.fatalReason ?? '', /command not found: w \(ENOENT\)/);
    assert.equal(w.restarts, 0);
  });

  it('stop: stop signal, then SIGKILL to the group at the timeout', async () => {
    const { clock, runner, worker } = setup();
    runner.onSignal = (p, s) => s === 'SIGKILL' && runner.exit(p, null, 'SIGKILL');
    const w = worker();
    w.start();
    await clock.advance(1000);
    const done = w.stop({ signal: 'SIGTERM', timeoutMs: 5000, reason: 'stopped' });
    await clock.advance(4999);
    assert.deepEqual(runner.procs[0].signals, ['SIGTERM']);
    assert.equal(w.state, 'stopping');
    await clock.advance(1);
    const r = await done;
    assert.deepEqual(runner.procs[0].signals, ['SIGTERM', 'SIGKILL']);
    assert.equal(r.killed, true);
    assert.equal(w.state, 'stopped');
    assert.match(w.lastExit?.reason ?? '', /killed after the 5s stop timeout/);
  });
});

describe('pool state machine (fake clock)', () => {
  it('scales within [min, max] and refuses beyond, naming the config place', async () => {
    const { clock, runner, pool } = setup();
    const p = pool();
    p.start();
    await clock.advance(1000);
    assert.equal(runner.alive().length, 2);
    p.scale(4);
    await clock.advance(1000);
    assert.equal(runner.alive().length, 4);
    p.scale(1);
    await clock.advance(10);
    assert.equal(runner.alive().length, 1);
    assert.throws(() => p.scale(6), /must stay within min 0 and max 5 \(chaperone.json: pools.p.processes\)/);
  });

  it('rolling restart keeps N running: the replacement runs before the old one is stopped', async () => {
    const { clock, runner, pool } = setup();
    const p = pool();
    p.scale(3);
    await clock.advance(1000);
    const oldPids = runner.alive().map((x) => x.pid);
    const done = p.restart();
    let minRunning = Infinity;
    for (let t = 0; t < 5000; t += 50) {
      await clock.advance(50);
      minRunning = Math.min(minRunning, p.workers.filter((w) => w.state === 'running' && !w.retiring).length);
    }
    assert.deepEqual(await done, { replaced: 3 });
    assert.ok(minRunning >= 2, `running dropped to ${minRunning}`);
    assert.equal(runner.alive().length, 3);
    assert.ok(runner.alive().every((x) => !oldPids.includes(x.pid)));
  });

  it('drain reports which workers were still busy at the timeout', async () => {
    const { clock, runner, pool } = setup();
    const p = pool();
    p.start();
    await clock.advance(1000);
    const [a, b] = runner.alive();
    runner.onSignal = (proc, s) => (proc === a || s === 'SIGKILL') && runner.exit(proc, s === 'SIGKILL' ? null : 0, s === 'SIGKILL' ? 'SIGKILL' : null);
    const done = p.drain(2000);
    await clock.advance(2000);
    const report = await done;
    assert.deepEqual(report.finished.map((r) => r.pid), [a.pid]);
    assert.deepEqual(report.killedAtTimeout.map((r) => r.pid), [b.pid]);
    assert.equal(p.state, 'stopped');
    await clock.advance(10_000);
    assert.equal(runner.alive().length, 0, 'no respawn after a drain');
  });
});

describe('pool: a named worker, a manual pin, a handover (fake clock)', () => {
  it('stop of one worker stops that worker and lowers the count; refused below min', async () => {
    const { clock, runner, pool } = setup({ processes: { min: 1, max: 5, initial: 3 } });
    const p = pool();
    p.start();
    await clock.advance(1000);
    assert.equal(runner.alive().length, 3);
    const target = p.workers[1];
    const r = await p.stopWorker(target.id);
    await clock.advance(0);
    assert.equal(r.workerId, target.id);
    assert.equal(p.desired, 2);
    assert.equal(runner.alive().length, 2, 'not replaced');
    await p.stopWorker(p.workers[0].id);
    await assert.rejects(p.stopWorker(p.workers[0].id), /below its min of 1/);
    await assert.rejects(p.stopWorker('nope'), /no running worker "nope"/);
  });

  it('a manual scale of an autoscaled pool pins the count for scale.pin; the scaler owns it again after', async () => {
    const { clock, pool } = setup({ processes: { min: 1, max: 5, initial: 1 }, queues: ['bullmq:q'], scale: { strategy: 'depth', pin: '10m' } });
    const p = pool();
    p.start();
    const r = p.scale(4);
    assert.equal(r.pinnedUntil, clock.now() + 600_000);
    assert.deepEqual(p.snapshot().scaling, { by: 'pinned', strategy: 'depth', until: clock.now() + 600_000 });
    assert.equal(p.autoscale(1), false, 'the scaler does not undo it');
    assert.equal(p.desired, 4);
    await clock.advance(600_000);
    assert.equal(p.autoscale(1), true);
    assert.equal(p.desired, 1);
    assert.deepEqual(p.snapshot().scaling, { by: 'autoscaler', strategy: 'depth' });
  });

  it('adopts handed-over workers with their count, numbering and restart counts; starts none of its own', async () => {
    const { clock, runner, pool } = setup({ processes: { min: 1, max: 5, initial: 1 } });
    const p = pool();
    const kept = { name: 'p', desired: 2, stopped: false, seq: 7, lastScaleAt: 5, pinnedUntil: null, fingerprint: '["w"]', workers: [{ id: 'p-6', restarts: 4 }, { id: 'p-7', restarts: 0 }] };
    await clock.advance(10_000);
    const { poolFingerprint } = await import('../../src/core/handover');
    kept.fingerprint = poolFingerprint(p.config);
    p.adopt([{ pid: 51, workerId: 'p-6', pool: 'p', startedAt: clock.now() - 9000 }, { pid: 52, workerId: 'p-7', pool: 'p', startedAt: clock.now() - 200 }], kept);
    assert.deepEqual(p.workers.map((w) => [w.id, w.pid, w.state, w.restarts]), [['p-6', 51, 'running', 4], ['p-7', 52, 'starting', 0]]);
    assert.equal(runner.procs.filter((x) => x.spec.workerId !== '?').length, 0, 'no spawn');
    await clock.advance(800);
    assert.equal(p.workers[1].state, 'running', 'running once up minUptime');
    p.scale(3);
    assert.equal(p.workers.at(-1)?.id, 'p-8');
    // A handed-over worker's exit is restarted by the policy like any other.
    runner.exit(runner.procs.find((x) => x.pid === 51) as never, 1, null);
    assert.equal(p.workers[0].state, 'backoff');
    assert.equal(p.workers[0].restarts, 5);
  });
});

describe('debug workers (fake clock)', () => {
  it('one extra worker with the rewritten command: not counted, never restarted, gone when it exits; a successor stops a handed one', async () => {
    const { clock, runner, pool } = setup();
    const p = pool();
    p.start();
    await clock.advance(1000);
    assert.equal(runner.alive().length, 2);
    const launch = debugLaunch(['node', 'worker.js', '--queue', 'emails'], 'node', 9229);
    const w = p.startDebugWorker(launch, [{ from: 'bullmq:emails', to: 'bullmq:emails.debug' }]);
    await clock.advance(1000);
    assert.equal(runner.alive().length, 3);
    const proc = runner.alive().find((x) => x.spec.workerId === w.id);
    assert.ok(proc);
    assert.deepEqual(proc.spec.argv, ['node', '--inspect=127.0.0.1:9229', 'worker.js', '--queue', 'emails']);
    assert.equal(proc.spec.env.CHAPERONE_DEBUG_WORKER, '1');
    assert.equal(w.id, 'p-debug-1');
    assert.equal(p.desired, 2, 'not counted');
    assert.equal(p.state, 'running');
    assert.deepEqual(p.snapshot().workers.filter((x) => x.debug).map((x) => x.debug), [{ queues: [{ from: 'bullmq:emails', to: 'bullmq:emails.debug' }] }]);
    p.scale(1);
    await clock.advance(10_000);
    assert.ok(proc.alive, 'scaling never touches it');
    runner.exit(proc, 1, null);
    await clock.advance(10_000);
    assert.equal(runner.alive().length, 1, 'never restarted');
    assert.equal(p.debugWorkers.length, 0);
    assert.equal(p.snapshot().workers.some((x) => x.debug), false);

    const next = pool();
    next.adopt([{ pid: 900, workerId: 'p-1', pool: 'p', startedAt: clock.now() }, { pid: 901, workerId: 'p-debug-3', pool: 'p', startedAt: clock.now() }], undefined);
    await clock.advance(0);
    assert.equal(next.desired, 1, 'a handed debug worker is not counted');
    assert.deepEqual(runner.procs.find((x) => x.pid === 901)?.signals, ['SIGTERM'], 'and is stopped: its debug session is gone');
    assert.equal(next.startDebugWorker(launch).id, 'p-debug-4');
  });
});

describe('debug launches', () => {
  it('rewrites each runtime\'s command for its debugger', () => {
    assert.equal(runtimeOf(['/usr/bin/node', 'w.js']), 'node');
    assert.equal(runtimeOf(['npx', 'tsx', 'w.ts']), 'node');
    assert.equal(runtimeOf(['celery', '-A', 'proj', 'worker']), 'python');
    assert.equal(runtimeOf(['php', 'artisan', 'queue:work']), 'php');
    assert.equal(runtimeOf(['bundle', 'exec', 'sidekiq']), 'ruby');
    assert.equal(runtimeOf(['./my-binary']), undefined);
    assert.deepEqual(debugLaunch(['npm', 'run', 'worker'], 'node', 9300).env, { NODE_OPTIONS: '--inspect=127.0.0.1:9300' });
    assert.deepEqual(debugLaunch(['celery', '-A', 'proj', 'worker'], 'python', 5678).argv, ['python3', '-m', 'debugpy', '--listen', '127.0.0.1:5678', '-m', 'celery', '-A', 'proj', 'worker']);
    assert.deepEqual(debugLaunch(['python3', 'w.py'], 'python', 5678).argv, ['python3', '-m', 'debugpy', '--listen', '127.0.0.1:5678', 'w.py']);
    assert.match(debugLaunch(['php', 'artisan', 'queue:work'], 'php', 9003).env.XDEBUG_CONFIG, /client_port=9003/);
    const ruby = debugLaunch(['bundle', 'exec', 'sidekiq'], 'ruby', 12345, 'python3', { RUBYOPT: '-W0' });
    assert.deepEqual([ruby.argv, ruby.env], [['bundle', 'exec', 'sidekiq'], { RUBYOPT: '-rdebug/open_nonstop -W0', RUBY_DEBUG_HOST: '127.0.0.1', RUBY_DEBUG_PORT: '12345' }]);
  });
});
