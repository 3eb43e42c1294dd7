import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import Redis from 'ioredis';
import { queueRef } from '../../src/queues/contract';
import { RqAdapter } from '../../src/queues/rq/rq-adapter';
import { FIXTURES } from '../helpers/paths';
import { readyOrKill, runScript } from '../helpers/run-script';
import { runCli } from '../helpers/run-cli';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { startRq } from '../helpers/system-workers';
import { producerEnv, queueConformance, type ConformanceFixture } from './queue-conformance';

const RQ = path.join(FIXTURES, 'rq');

function py(redis: TestRedis, script: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return runScript('/usr/bin/python3', path.join(RQ, script), args, { REDIS_URL: redis.url, ...env });
}


async function rqFixture(redis: TestRedis): Promise<ConformanceFixture> {
  const client = redis.client();
  const adapterConn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  return {
    system: 'rq',
    jobAges: true,
    adapter: async () => new RqAdapter('default', adapterConn),
    async produce(queue, n, opts = {}) {
      const out = await py(redis, 'producer.py', [queue, String(n), opts.delayMs ? String(opts.delayMs / 1000) : '0', opts.fail ? '1' : '0'], producerEnv(opts));
      return out.trim().split('\n').filter(Boolean);
    },
    // RQ's payload is a pickled call: the judge is RQ's own Job.fetch of it.
    storedPayload: async (_queue, id) => (await py(redis, 'call.py', [id])).trim(),
    keepsFailed: true,
    async systemCounts(queue) {
      return JSON.parse(await py(redis, 'counts.py', [queue])) as Record<string, number>;
    },
    systemPaused: async () => false,
    async startWorker(queue, jobMs) {
      const { w, ready } = startRq(redis, queue, jobMs);
      return readyOrKill(w, ready);
    },
    processed: (queue) => client.lrange(`test:${queue}:processed`, 0, -1),
    async close() {
      client.disconnect();
      adapterConn.disconnect();
    },
  };
}

describe('queue adapter conformance: RQ (real RQ 1.13 workers from Debian)', function () {
  this.timeout(90_000);
  queueConformance(rqFixture);
});

describe('RQ adapter: stop a running job, shut a worker down, suspend all', function () {
  this.timeout(60_000);
  it('stop-job really stops the running job; shutdown makes the worker exit; suspend keeps jobs waiting', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const { w, ready } = startRq(redis, 'long', 30_000);
    try {
      await ready();
      const adapter = new RqAdapter('default', conn);
      const q = queueRef('rq', 'default', 'long');
      const [id] = (await py(redis, 'producer.py', ['long', '1'])).trim().split('\n');
      await waitFor(async () => ((await conn.hget(`rq:job:${id}`, 'status')) === 'started' ? true : undefined), 'job started');
      const stop = await adapter.cancelActive(q, id);
      assert.equal(stop.ok, true, stop.message);
      await waitFor(async () => ((await conn.hget(`rq:job:${id}`, 'status')) === 'stopped' ? true : undefined), 'the job is stopped (not 30 s later)', 10_000);
      const [c] = await adapter.counts([q], Date.now());
      assert.equal(c.counts.active, 0);
      assert.equal((await adapter.cancelActive(q, id)).status, 'refused', 'no longer running');

      // A worker already waiting for a job takes one more, then sees the suspension: RQ's own rule.
      const second = startRq(redis, 'short', 20);
      try {
        await second.ready();
        // Through the CLI: the service finds the one RQ connection and audits the action.
        const suspended = await runCli(['suspend', 'rq', '--redis', redis.url], { env: { CHAPERONE_REDIS_URL: '' } });
        assert.equal(suspended.code, 0, suspended.stderr);
        assert.match(suspended.stdout, /suspended \(rq suspend\)/);
        const [first, waiting] = (await py(redis, 'producer.py', ['short', '2'])).trim().split('\n');
        await waitFor(async () => ((await conn.hget(`rq:job:${first}`, 'status')) === 'finished' ? true : undefined), 'the job it was waiting for');
        await new Promise((r) => setTimeout(r, 2500));
        assert.equal(await conn.hget(`rq:job:${waiting}`, 'status'), 'queued', 'a suspended worker takes no more jobs');
        assert.equal((await adapter.counts([queueRef('rq', 'default', 'short')], Date.now()))[0].paused, true);
        assert.equal((await runCli(['unsuspend', 'rq', '--redis', redis.url], { env: { CHAPERONE_REDIS_URL: '' } })).code, 0);
        await waitFor(async () => ((await conn.hget(`rq:job:${waiting}`, 'status')) === 'finished' ? true : undefined), 'resumed: the job runs', 15_000);
      } finally {
        second.w.kill('SIGKILL');
      }

      const workers = await adapter.workers(q);
      assert.ok('workers' in workers && workers.workers.length === 1);
      const exited = new Promise<number | null>((resolve) => w.once('exit', (code) => resolve(code)));
      const shut = await runCli(['worker', 'rq', workers.workers[0].id, 'stop', '--redis', redis.url], { env: { CHAPERONE_REDIS_URL: '' } });
      assert.equal(shut.code, 0, shut.stderr);
      assert.ok((await conn.xrange('chaperone:audit', '-', '+')).some(([, f]) => f.includes('worker-stop')), 'audited');
      assert.equal(await exited, 0, 'warm shutdown: a clean exit');
      assert.equal((await adapter.stopWorker('nobody', 'stop')).status, 'not-found', '0 receivers');
    } finally {
      w.kill('SIGKILL');
      conn.disconnect();
      await redis.stop();
    }
  });
});

describe('RQ adapter: layouts of later RQ versions (written as RQ 1.15+ and 2.x write them)', function () {
  this.timeout(20_000);
  it('counts a 1.15+ intermediate list as started, and lists 2.x "<job>:<execution>" entries by job id', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      const now = Date.now() / 1000;
      await conn.sadd('rq:queues', 'rq:queue:later');
      await conn.rpush('rq:queue:later:intermediate', 'j-popped');
      await conn.zadd('rq:wip:later', String(now + 60), 'j-running:exec-1');
      await conn.zadd('rq:wip:later', String(now - 60), 'j-expired:exec-0');
      await conn.hset('rq:job:j-running', { status: 'started', origin: 'later', description: 'tasks.report(7)', enqueued_at: new Date().toISOString() });
      const adapter = new RqAdapter('default', conn);
      const [ref] = await adapter.discover(true);
      const [c] = await adapter.counts([ref], Date.now());
      assert.equal(c.counts.active, 2, 'the live execution and the popped job; not the expired entry');
      const active = await adapter.list(ref, 'active', 10, Date.now());
      assert.deepEqual(active.map((j) => [j.id, j.preview]), [['j-running', 'tasks.report(7)']], 'live entries only, by job id');
    } finally {
      conn.disconnect();
      await redis.stop();
    }
  });
});
