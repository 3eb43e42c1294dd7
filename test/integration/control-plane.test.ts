// The Redis control plane and the CLI, against a private redis-server and a real `supervise`.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ControlClient } from '../../src/node/control-client';
import { connectAndWait } from '../../src/node/redis-connection';
import { node, startEngine, tempDir, type Harness } from '../helpers/engine-harness';
import { CLI, FIXTURES } from '../helpers/paths';
import { runCli, type CliRun } from '../helpers/run-cli';
import { freePort, TestRedis } from '../helpers/redis-server';
import { isAlive, sleep, waitFor } from '../helpers/wait';

const W = (name: string) => path.join(FIXTURES, 'workers', name);

function cli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliRun> {
  return runCli(args, { env, ...(cwd ? { cwd } : {}) });
}

describe('control plane through Redis', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await redis.stop();
  });

  describe('the CLI against a running `chaperone supervise`', () => {
    let sup: ChildProcess;
    let supOut = '';
    let dir: string;
    const R = () => ['--redis', redis.url];
    before(async () => {
      dir = tempDir();
      writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({
        redis: { url: redis.url },
        pools: {
          web: { command: node(W('idle.js')), processes: { min: 1, max: 4, initial: 2 }, restart: { minUptime: '300ms' }, stop: { timeout: '3s' }, queues: ['demo:jobs'] },
        },
      }));
      sup = spawn(process.execPath, [CLI, 'supervise', '--config', path.join(dir, 'chaperone.json'), '--id', 'cli-test'], { stdio: ['ignore', 'pipe', 'pipe'] });
      sup.stdout?.on('data', (d: Buffer) => (supOut += d.toString()));
      sup.stderr?.on('data', (d: Buffer) => (supOut += d.toString()));
      await waitFor(async () => {
        const r = await cli(['status', '--json', ...R()]);
        const j = JSON.parse(r.stdout) as { supervisors: { id: string; pools: { workers: { state: string }[] }[] }[] };
        return j.supervisors.find((s) => s.id === 'cli-test')?.pools[0].workers.filter((w) => w.state === 'running').length === 2;
      }, 'supervisor with 2 running workers in `status --json`', 20_000, 200);
    });
    after(() => {
      if (sup.exitCode === null) sup.kill('SIGKILL');
    });

    const status = async () => {
      const r = await cli(['status', '--json', ...R()]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { supervisors: { id: string; host: string; pid: number; lastSeen: number; pools: { name: string; state: string; desired: number; workers: { id: string; pid: number | null; state: string; restarts: number; uptimeMs: number; cpu: number | null; memoryBytes: number | null; lastExit: unknown }[] }[] }[] };
    };

    it('status --json has the documented shape', async () => {
      const s = (await status()).supervisors.find((x) => x.id === 'cli-test');
      assert.ok(s);
      assert.equal(typeof s.host, 'string');
      assert.equal(s.pid, sup.pid);
      assert.ok(Date.now() - s.lastSeen < 4000, `heartbeat ${Date.now() - s.lastSeen}ms old: the default beat is 2s (+ slack for the CLI's start-up)`);
      const pool = s.pools[0];
      assert.deepEqual([pool.name, pool.state, pool.desired], ['web', 'running', 2]);
      for (const w of pool.workers) {
        assert.deepEqual(Object.keys(w).filter((k) => ['id', 'pid', 'state', 'restarts', 'uptimeMs', 'cpu', 'memoryBytes', 'lastExit'].includes(k)).length, 8);
        assert.ok(isAlive(w.pid as number));
      }
      const human = await cli(['status', ...R()]);
      assert.match(human.stdout, /supervisor cli-test .*\n {2}pool web: running, 2\/2 running/);
      assert.match(human.stdout, /WORKER\s+PID\s+STATE\s+RESTARTS\s+UPTIME\s+CPU\s+MEM\s+LAST EXIT/);
    });

    it('scale within range works; beyond max fails with exit 1 and the reason', async () => {
      const ok = await cli(['scale', 'web', '3', ...R()]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /cli-test: pool web scaled from 2 to 3/);
      await waitFor(async () => (await status()).supervisors[0].pools[0].workers.filter((w) => w.state === 'running').length === 3, '3 running', 10_000, 100);
      const bad = await cli(['scale', 'web', '9', ...R()]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /cannot scale pool "web" to 9: it must stay within min 1 and max 4/);
      const usage = await cli(['scale', 'web', ...R()]);
      assert.equal(usage.code, 2);
      const nopool = await cli(['scale', 'nope', '1', ...R()]);
      assert.equal(nopool.code, 1);
      assert.match(nopool.stderr, /no pool "nope" on any live supervisor/);
    });

    it('restart replaces every worker (rolling)', async () => {
      const before = (await status()).supervisors[0].pools[0].workers.map((w) => w.pid);
      const r = await cli(['restart', 'web', ...R()]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /rolling restart replaced 3 worker\(s\)/);
      const after = (await status()).supervisors[0].pools[0].workers.filter((w) => w.state === 'running').map((w) => w.pid);
      assert.equal(after.length, 3);
      assert.ok(after.every((p) => !before.includes(p)));
    });

    it('logs shows the workers\' output; --follow streams new lines', async () => {
      const r = await cli(['logs', 'web', '-n', '50', ...R()]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /web-\d+ \| ready \d+/);
      const one = (await status()).supervisors[0].pools[0].workers[0].id;
      const single = await cli(['logs', `web/${one}`, ...R()]);
      assert.ok(single.stdout.trim().split('\n').every((l) => l.includes(` ${one} `)), single.stdout);
      // Follow, then cause new output (a scale-up starts a worker that prints "ready").
      const follow = spawn(process.execPath, [CLI, 'logs', 'web', '--follow', '-n', '1', ...R()]);
      let followed = '';
      follow.stdout.on('data', (d: Buffer) => (followed += d.toString()));
      await waitFor(() => followed.length > 0, 'the backlog line', 10_000);
      const mark = followed.length;
      assert.equal((await cli(['scale', 'web', '4', ...R()])).code, 0);
      await waitFor(() => /ready \d+/.test(followed.slice(mark)), 'a streamed line from the new worker', 10_000);
      follow.kill('SIGINT');
      await new Promise((r2) => follow.once('close', r2));
    });

    it('drain --wait returns once the workers have exited; start brings the pool back', async () => {
      const pids = (await status()).supervisors[0].pools[0].workers.map((w) => w.pid as number);
      const r = await cli(['drain', 'web', '--wait', '--timeout', '5s', ...R()]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /pool web: 4 worker\(s\) finished in \d+ms; none left busy/);
      assert.ok(pids.every((p) => !isAlive(p)), 'every worker has exited when drain --wait returns');
      const s = (await status()).supervisors[0].pools[0];
      assert.deepEqual([s.state, s.desired, s.workers.length], ['stopped', 0, 0]);
      const start = await cli(['start', 'web', ...R()]);
      assert.equal(start.code, 0, start.stderr);
      await waitFor(async () => (await status()).supervisors[0].pools[0].workers.filter((w) => w.state === 'running').length === 4, 'pool back with 4', 10_000, 100);
    });

    it('every action is in the audit stream with its outcome', async () => {
      const c = redis.client();
      const entries = (await c.xrange('chaperone:audit', '-', '+')) as [string, string[]][];
      c.disconnect();
      const rows = entries.map(([, f]) => Object.fromEntries(f.reduce<string[][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, f[i + 1]]]), [])));
      const verbs = rows.filter((r) => r.supervisor === 'cli-test').map((r) => `${r.verb}:${r.outcome}`);
      for (const v of ['scale:ok', 'scale:error', 'restart:ok', 'logs:ok', 'drain:ok', 'start:ok']) assert.ok(verbs.includes(v), `${v} in ${verbs.join(', ')}`);
      assert.ok(rows.every((r) => r.actor && r.at), 'who and when for every entry');
    });

    it('SIGINT drains every pool and exits 0, leaving no worker behind', async () => {
      const pids = (await status()).supervisors[0].pools[0].workers.map((w) => w.pid as number);
      assert.equal(pids.length, 4);
      const exited = new Promise<number | null>((r) => sup.once('exit', (code) => r(code)));
      sup.kill('SIGINT');
      assert.equal(await exited, 0, supOut);
      assert.ok(pids.every((p) => !isAlive(p)), 'workers exited');
      const s = await status();
      assert.equal(s.supervisors.find((x) => x.id === 'cli-test'), undefined, 'a clean exit removes the supervisor from Redis');
    });

    it('an invalid config makes `supervise` exit 2 with file:line:column', async () => {
      const bad = path.join(dir, 'bad.json');
      writeFileSync(bad, '{\n  "pools": {\n    "web": { "command": ["x"], "stop": { "timeout": "forever" } }\n  }\n}\n');
      const r = await cli(['supervise', '--config', bad, ...R()]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:53: pools\\.web\\.stop\\.timeout: must be a duration`));
    });

    it('an unreachable Redis is a clear error with exit 1', async () => {
      const r = await cli(['status', '--redis', 'redis://127.0.0.1:1']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    });
  });

  describe('drain of a worker busy with a real job', () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.engine.shutdown(2000);
      h = undefined;
    });

    it('waits for the job in hand to finish, then reports none left busy', async () => {
      const c = redis.client();
      const keys = { JOBS_KEY: 't:drain:jobs', TAKEN_LIST: 't:drain:taken', DONE_LIST: 't:drain:done' };
      h = await startEngine({ pools: { jobs: { command: node(W('job-worker.js')), env: { REDIS_URL: redis.url, JOB_MS: '1500', ...keys }, processes: 1, stop: { timeout: '10s' } } } });
      await waitFor(() => h?.workers('jobs')[0]?.logs.tail().some((l) => l.text.startsWith('ready')), 'worker ready');
      await c.rpush(keys.JOBS_KEY, 'job-1');
      await waitFor(async () => (await c.llen(keys.TAKEN_LIST)) === 1, 'job taken');
      const started = Date.now();
      const r = await h.engine.supervisor.execute({ id: 'd1', verb: 'drain', pool: 'jobs', actor: 'test', sentAt: Date.now(), deadline: Date.now() + 5000 });
      const took = Date.now() - started;
      assert.equal(r.ok, true, r.message);
      assert.match(r.message, /1 worker\(s\) finished .*; none left busy/);
      assert.deepEqual(await c.lrange(keys.DONE_LIST, 0, -1), ['job-1'], 'the job in hand was finished, not cut short');
      assert.ok(took >= 500, `drain returned after ${took}ms, before the job could finish`);
      assert.ok(h.workers('jobs').length === 0);
      c.disconnect();
    });
  });

  describe('Redis down', () => {
    it('supervises while Redis is unreachable at start-up, and appears once it comes up', async () => {
      const later = TestRedis.reserve(await freePort());
      const h = await startEngine({ supervisor: { heartbeat: '300ms' }, pools: { idle: { command: node(W('idle.js')), processes: 2, restart: { minUptime: '200ms' } } } }, { redisUrl: later.url, id: 'late-redis' });
      try {
        await waitFor(() => h.running('idle').length === 2, 'workers running without Redis');
        assert.equal(h.engine.controlPlane?.connected, false);
        await later.launch();
        await waitFor(() => h.engine.controlPlane?.connected, 'connected once Redis is up', 15_000);
        const c = later.client();
        const snap = await waitFor(async () => c.get('chaperone:supervisor:late-redis'), 'the snapshot in Redis');
        assert.equal((JSON.parse(snap) as { pools: { workers: unknown[] }[] }).pools[0].workers.length, 2);
        c.disconnect();
      } finally {
        await h.engine.shutdown(2000);
        await later.stop();
      }
    });

    it('workers keep running, the supervisor reconnects, status shows the gap, commands work again', async () => {
      const own = await TestRedis.start();
      const rejections: unknown[] = [];
      const onRejection = (e: unknown) => rejections.push(e);
      process.on('unhandledRejection', onRejection);
      const h = await startEngine({ supervisor: { heartbeat: '300ms' }, pools: { idle: { command: node(W('idle.js')), processes: 2, restart: { minUptime: '200ms' } } } }, { redisUrl: own.url, id: 'outage' });
      try {
        await waitFor(() => h.running('idle').length === 2 && h.engine.controlPlane?.connected, 'running and connected');
        const pids = h.running('idle').map((w) => w.pid as number);
        await own.kill();
        await waitFor(() => h.engine.controlPlane?.connected === false, 'disconnect noticed');
        // Audit entries made while Redis is away are kept and written after the reconnect.
        const during = await h.engine.supervisor.execute({ id: 'x1', verb: 'scale', pool: 'idle', count: 2, actor: 'local', sentAt: Date.now(), deadline: Date.now() + 5000 });
        assert.equal(during.ok, true);
        await sleep(1500);
        assert.ok(pids.every(isAlive), 'workers keep running while Redis is down');
        assert.equal(h.running('idle').length, 2);
        await own.launch();
        await waitFor(() => h.engine.controlPlane?.connected, 'reconnected', 15_000);
        const redisClient = await connectAndWait(own.url, { name: 'test' });
        const client = new ControlClient(redisClient);
        const seen = await waitFor(async () => (await client.supervisors()).find((s) => s.id === 'outage' && s.snapshot?.controlPlane?.lastGap), 'snapshot with the gap', 10_000);
        const gap = seen.snapshot?.controlPlane?.lastGap;
        assert.ok(gap && gap.ms >= 1500, `gap ${JSON.stringify(gap)}`);
        const r = await client.send('outage', 'idle', { verb: 'scale', count: 2 }, { replyTimeoutMs: 10_000 });
        assert.equal(r.ok, true, r.message);
        await waitFor(async () => (await redisClient.xlen('chaperone:audit')) >= 2, 'the audit entry from the outage, written after reconnect');
        redisClient.disconnect();
        assert.deepEqual(rejections, [], 'no unhandled rejection');
      } finally {
        process.off('unhandledRejection', onRejection);
        await h.engine.shutdown(2000);
        await own.stop();
      }
    });
  });
});
