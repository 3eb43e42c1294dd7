// The supervisor against real processes: real spawner, real signals, real pidusage.
import { strict as assert } from 'node:assert';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { node, startEngine, tempDir, type Harness } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { isAlive, sleep, waitFor } from '../helpers/wait';

const W = (name: string) => path.join(FIXTURES, 'workers', name);

describe('supervisor with real processes', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.engine.shutdown(2000);
    h = undefined;
  });

  it('restarts a crashing worker with the configured backoff, goes fatal after the budget, recovers on restart', async () => {
    const dir = tempDir();
    const heal = path.join(dir, 'heal');
    h = await startEngine({
      pools: {
        crashy: {
          command: node(W('crashy.js')), env: { HEAL_FILE: heal, CRASH_AFTER_MS: '30' }, processes: 1,
          restart: { delay: '200ms', factor: 2, jitter: 0, maxDelay: '2s', minUptime: '1s', maxRestarts: 3, window: '60s' },
        },
      },
    }, { dir });
    const pool = h.engine.supervisor.pools.get('crashy');
    assert.ok(pool);
    // Record each exit and the next start, from the worker's own state changes.
    const events: { state: string; at: number }[] = [];
    pool.changed.on(() => {
      const w = pool.workers[0];
      if (w && events.at(-1)?.state !== w.state) events.push({ state: w.state, at: Date.now() });
    });
    const w = await waitFor(() => pool.workers.find((x) => x.state === 'fatal'), 'fatal', 20_000);
    assert.match(w.fatalReason ?? '', /restarted 3 times within 60s; last exit with code 3/);
    assert.equal(w.restarts, 3);
    assert.deepEqual(w.lastExit?.stderrTail.at(-1)?.startsWith('boom in'), true, 'the stderr tail of the exit is kept');
    // Backoff actually waited: exited -> starting gaps of >= 200, 400, 800 ms.
    const gaps: number[] = [];
    for (let i = 0; i < events.length; i++) {
      if (events[i].state === 'backoff') {
        const next = events.slice(i).find((e) => e.state === 'starting');
        if (next) gaps.push(next.at - events[i].at);
      }
    }
    assert.equal(gaps.length, 3, JSON.stringify(events));
    [200, 400, 800].forEach((min, i) => assert.ok(gaps[i] >= min - 5 && gaps[i] < min + 1500, `backoff ${i}: ${gaps[i]}ms, expected ~${min}ms`));
    // Fatal stays fatal (no crash loop) ...
    await sleep(1500);
    assert.equal(w.state, 'fatal');
    // ... until a restart command; the cause is fixed in the meantime.
    writeFileSync(heal, '');
    const r = await h.engine.supervisor.execute({ id: 'r1', verb: 'restart', pool: 'crashy', actor: 'test', sentAt: Date.now(), deadline: Date.now() + 10_000 });
    assert.equal(r.ok, true, r.message);
    await waitFor(() => h?.running('crashy').length === 1, 'recovered worker running');
  });

  it('a command that cannot start goes fatal at once with the reason: ENOENT, EACCES, missing cwd', async () => {
    const dir = tempDir();
    const notExec = path.join(dir, 'not-executable.sh');
    writeFileSync(notExec, '#!/bin/sh\necho hi\n');
    chmodSync(notExec, 0o644);
    h = await startEngine({
      pools: {
        missing: { command: ['/nonexistent/chaperone-worker'], processes: 1 },
        denied: { command: [notExec], processes: 1 },
        nocwd: { command: node(W('idle.js')), cwd: 'no/such/dir', processes: 1 },
      },
    }, { dir });
    const fatal = (pool: string) => waitFor(() => h?.workers(pool).find((w) => w.state === 'fatal'), `${pool} fatal`, 5000);
    const [m, d, c] = await Promise.all([fatal('missing'), fatal('denied'), fatal('nocwd')]);
    assert.match(m.fatalReason ?? '', /command not found: \/nonexistent\/chaperone-worker \(ENOENT\)/);
    assert.match(d.fatalReason ?? '', /permission denied: .*not-executable.sh \(EACCES\)/);
    assert.match(c.fatalReason ?? '', /working directory .*no\/such\/dir does not exist/);
    await sleep(500);
    for (const w of [m, d, c]) assert.equal(w.restarts, 0, `${w.id} must not crash-loop`);
  });

  it('kills a worker that ignores SIGTERM after the timeout, with its grandchild', async () => {
    const dir = tempDir();
    const pidsFile = path.join(dir, 'pids');
    h = await startEngine({ pools: { stubborn: { command: node(W('stubborn.js')), env: { PIDS_FILE: pidsFile }, processes: 1, stop: { timeout: '700ms' } } } }, { dir });
    const [pid, grandchild] = await waitFor(() => {
      try {
        // Read between the fixture's open and its write, the file is empty: wait for both pids.
        const pids = readFileSync(pidsFile, 'utf8').split(' ').map(Number);
        return pids.length === 2 && pids.every((p) => p > 0) ? pids : undefined;
      } catch {
        return undefined;
      }
    }, 'pids file');
    assert.ok(isAlive(pid) && isAlive(grandchild));
    const started = Date.now();
    const report = await h.engine.supervisor.pools.get('stubborn')?.drain();
    const took = Date.now() - started;
    assert.deepEqual(report?.killedAtTimeout.map((k) => k.pid), [pid]);
    assert.ok(took >= 650, `SIGKILL came after ${took}ms, before the 700ms timeout`);
    await waitFor(() => !isAlive(pid) && !isAlive(grandchild), 'worker and grandchild dead', 3000);
  });

  it('restarts a leaking worker gracefully when it stays over the memory limit', async () => {
    h = await startEngine({
      supervisor: { sampleInterval: '200ms' },
      pools: { leaky: { command: node(W('leaky.js')), processes: 1, limits: { memory: '150MB', samples: 2 }, restart: { minUptime: '300ms' } } },
    });
    const first = await waitFor(() => h?.running('leaky')[0], 'leaky running');
    const firstPid = first.pid as number;
    const entry = await waitFor(() => h?.audit.find((a) => a.verb === 'limit-restart'), 'a limit restart', 20_000);
    assert.match(entry.detail ?? '', /memory .* over the limit 143.1MiB for 2 samples/);
    // The replacement comes up, the leaker gets its stop signal and is gone.
    await waitFor(() => h?.running('leaky').some((w) => w.pid !== firstPid), 'replacement running');
    await waitFor(() => !isAlive(firstPid) && first.state === 'stopped', 'leaking worker stopped', 10_000);
    assert.match(first.lastExit?.reason ?? '', /memory/, JSON.stringify(first.lastExit));
    assert.equal(first.lastExit?.code, 0, 'stopped gracefully (SIGTERM), not killed');
  });

  it('scales up and down with real processes', async () => {
    h = await startEngine({ pools: { idle: { command: node(W('idle.js')), processes: { min: 1, max: 6, initial: 2 }, restart: { minUptime: '200ms' } } } });
    await waitFor(() => h?.running('idle').length === 2, '2 running');
    const pool = h.engine.supervisor.pools.get('idle');
    assert.ok(pool);
    pool.scale(5);
    await waitFor(() => h?.running('idle').length === 5, '5 running');
    const pids = h.running('idle').map((w) => w.pid as number);
    pool.scale(1);
    await waitFor(() => h?.workers('idle').length === 1, 'scaled down to 1');
    const [kept] = h.workers('idle');
    await waitFor(() => pids.filter((p) => p !== kept.pid).every((p) => !isAlive(p)), 'the 4 others exited');
    assert.throws(() => pool.scale(7), /max 6/);
    assert.throws(() => pool.scale(0), /min 1/);
  });

  it('rolling restart never drops below N-1 running', async () => {
    h = await startEngine({ pools: { idle: { command: node(W('idle.js')), processes: 3, restart: { minUptime: '300ms' } } } });
    await waitFor(() => h?.running('idle').length === 3, '3 running');
    const before = h.running('idle').map((w) => w.pid);
    let min = Infinity;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        // Running = live process in state running (retiring ones count until they are actually stopped).
        min = Math.min(min, h?.workers('idle').filter((w) => w.state === 'running').length ?? 0);
        await sleep(5);
      }
    })();
    const r = await h.engine.supervisor.execute({ id: 'rr', verb: 'restart', pool: 'idle', actor: 'test', sentAt: Date.now(), deadline: Date.now() + 10_000 });
    sampling = false;
    await sampler;
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(r.data, { kind: 'restarted', replaced: 3 });
    assert.ok(min >= 2, `running dropped to ${min}`);
    const after = h.running('idle').map((w) => w.pid);
    assert.equal(after.length, 3);
    assert.ok(after.every((p) => !before.includes(p)));
    await waitFor(() => before.every((p) => p !== null && !isAlive(p)), 'old workers gone');
  });

  it('survives the death of the spawner: orphans are replaced and none is lost', async () => {
    h = await startEngine({ pools: { idle: { command: node(W('idle.js')), processes: 3, restart: { minUptime: '200ms' } } } });
    await waitFor(() => h?.running('idle').length === 3, '3 running');
    const before = h.running('idle').map((w) => w.pid as number);
    const spawnerPid = h.engine.runner.spawnerPid;
    assert.ok(spawnerPid);
    process.kill(spawnerPid, 'SIGKILL');
    await waitFor(() => h?.engine.runner.spawnerPid && h.engine.runner.spawnerPid !== spawnerPid, 'a new spawner');
    await waitFor(() => {
      const running = h?.running('idle') ?? [];
      return running.length === 3 && running.every((w) => !before.includes(w.pid as number));
    }, '3 replacements running', 20_000);
    await waitFor(() => before.every((p) => !isAlive(p)), 'every orphan stopped', 20_000);
    // Orphans' exits are seen by polling their process group: the pool forgets them shortly after.
    await waitFor(() => h?.workers('idle').length === 3, 'only the 3 replacements left in the pool', 5000);
  });
});
