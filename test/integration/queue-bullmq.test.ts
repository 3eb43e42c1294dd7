import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as bullmq6 from 'bullmq';
import * as bullmq5 from 'bullmq-v5';
import Redis from 'ioredis';
import { BullmqAdapter } from '../../src/queues/bullmq/bullmq-adapter';
import { queueRef } from '../../src/queues/contract';
import { FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { queueConformance, type ConformanceFixture } from './queue-conformance';

/** The parts of a bullmq Queue the fixture uses to act as the system's own producer and judge. */
interface ProducerQueue {
  addBulk(jobs: { name: string; data: unknown; opts: { delay?: number; attempts: number } }[]): Promise<{ id?: string }[]>;
  getJobCounts(): Promise<Record<string, number>>;
  isPaused(): Promise<boolean>;
  close(): Promise<void>;
}

interface BullLibrary {
  module: string;
  open(name: string, port: number): ProducerQueue;
}

const LIBS: Record<'v5' | 'v6', BullLibrary> = {
  v5: { module: 'bullmq-v5', open: (name, port) => new bullmq5.Queue(name, { connection: { port } }) },
  v6: { module: 'bullmq', open: (name, port) => new bullmq6.Queue(name, { connection: { port } }) },
};

function bullmqFixture(lib: BullLibrary) {
  return async (redis: TestRedis): Promise<ConformanceFixture> => {
    const queues = new Map<string, ProducerQueue>();
    const q = (name: string): ProducerQueue => {
      let x = queues.get(name);
      if (!x) {
        x = lib.open(name, redis.port);
        queues.set(name, x);
      }
      return x;
    };
    const client = redis.client();
    const adapterConn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    return {
      system: 'bullmq',
      jobAges: true,
      adapter: async () => new BullmqAdapter('default', adapterConn),
      async produce(name, n, opts = {}) {
        const jobs = await q(name).addBulk(Array.from({ length: n }, (_, i) => ({ name: 'send-mail', data: { i, to: `user${i}@example.com`, fail: opts.fail ?? false, ...(i === 0 && opts.note !== undefined ? { note: opts.note } : {}), ...(opts.depth ? { depth: opts.depth } : {}) }, opts: { delay: opts.delayMs, attempts: 1 } })));
        return jobs.map((j) => String(j.id));
      },
      storedPayload: async (name, id) => (await client.hget(`bull:${name}:${id}`, 'data')) ?? undefined,
      keepsFailed: true,
      async systemCounts(name) {
        const c = await q(name).getJobCounts();
        return { pending: c.waiting + (c.paused ?? 0), delayed: c.delayed, active: c.active, failed: c.failed, completed: c.completed, prioritized: c.prioritized };
      },
      systemPaused: (name) => q(name).isPaused(),
      async startWorker(name, jobMs) {
        const env = { ...process.env, REDIS_URL: redis.url, QUEUE: name, JOB_MS: String(jobMs), BULLMQ_MODULE: lib.module };
        const w = spawn(process.execPath, [path.join(FIXTURES, 'workers', 'bullmq-worker.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        w.stdout?.on('data', (d: Buffer) => (out += d.toString()));
        await waitFor(() => out.includes('ready'), 'bullmq worker ready');
        return w;
      },
      processed: (name) => client.lrange(`test:${name}:processed`, 0, -1),
      async close() {
        await Promise.all([...queues.values()].map((x) => x.close()));
        client.disconnect();
        adapterConn.disconnect();
      },
    };
  };
}

describe('queue adapter conformance: BullMQ 6 (real bullmq producers and workers)', function () {
  this.timeout(60_000);
  queueConformance(bullmqFixture(LIBS.v6));
});

describe('queue adapter conformance: BullMQ 5 (real bullmq 5 producers and workers; writes through the bundled bullmq 5)', function () {
  this.timeout(60_000);
  queueConformance(bullmqFixture(LIBS.v5));
});

describe('BullMQ adapter: each queue is written by its own major', function () {
  this.timeout(30_000);
  let redis: TestRedis;
  let conn: Redis;
  before(async () => {
    redis = await TestRedis.start();
    conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    conn?.disconnect();
    await redis?.stop();
  });

  it('leaves meta.version of a bullmq 5 and a bullmq 6 queue as their own library wrote it', async () => {
    const q5 = new bullmq5.Queue('v5-mail', { connection: { port: redis.port } });
    const q6 = new bullmq6.Queue('v6-mail', { connection: { port: redis.port } });
    try {
      const [a] = await Promise.all([q5.add('x', {}, { delay: 60_000 }), q6.add('x', {}, { delay: 60_000 })]);
      const before5 = await conn.hget('bull:v5-mail:meta', 'version');
      const before6 = await conn.hget('bull:v6-mail:meta', 'version');
      assert.match(before5 ?? '', /^bullmq:5\./);
      assert.match(before6 ?? '', /^bullmq:6\./);
      const adapter = new BullmqAdapter('default', conn);
      for (const name of ['v5-mail', 'v6-mail']) {
        const ref = queueRef('bullmq', 'default', name);
        for (const r of [await adapter.pause(ref), await adapter.resume(ref)]) assert.equal(r.ok, true, r.message);
      }
      assert.equal((await adapter.promote(queueRef('bullmq', 'default', 'v5-mail'), String(a.id))).ok, true);
      assert.equal(await q5.getJobState(String(a.id)), 'waiting', 'bullmq 5 sees its job promoted');
      await adapter.close();
      assert.equal(await conn.hget('bull:v5-mail:meta', 'version'), before5);
      assert.equal(await conn.hget('bull:v6-mail:meta', 'version'), before6);
    } finally {
      await Promise.all([q5.close(), q6.close()]);
    }
  });

  it('revalidates steady queues by their last event, sees every evented change at once, and recounts in full every 5 s', async () => {
    const q = new bullmq6.Queue('steady', { connection: { port: redis.port } });
    try {
      const [first] = await q.addBulk([{ name: 'a', data: {} }, { name: 'b', data: {} }]);
      const adapter = new BullmqAdapter('default', conn);
      const ref = queueRef('bullmq', 'default', 'steady');
      const t0 = Date.now();
      const at = async (dt: number) => (await adapter.counts([ref], t0 + dt))[0];
      assert.equal((await at(0)).counts.pending, 2);
      await conn.config('RESETSTAT');
      const steady = await at(100);
      assert.equal(steady.counts.pending, 2);
      assert.ok(Math.abs((steady.oldestPendingAgeMs ?? 0) - (t0 + 100 - first.timestamp)) < 5, 'the age still moves with the clock');
      const stats = await conn.info('commandstats');
      assert.doesNotMatch(stats, /cmdstat_llen:/, 'a steady queue is not re-read');
      await q.add('c', {}); // emits "added"/"waiting"
      assert.equal((await at(200)).counts.pending, 3);
      await first.changePriority({ priority: 5 }); // moves a job to "prioritized" without an event
      const full = await at(5300);
      assert.equal(full.counts.pending, 2);
      assert.equal(full.counts.prioritized, 1);
      await adapter.close();
    } finally {
      await q.close();
    }
  });

  it('refuses to write a queue of a major it does not bundle, and changes nothing', async () => {
    const q6 = new bullmq6.Queue('future', { connection: { port: redis.port } });
    try {
      await q6.add('x', {});
      // Stands in for a queue of a later major: only the version field differs.
      await conn.hset('bull:future:meta', 'version', 'bullmq:7.0.0');
      const adapter = new BullmqAdapter('default', conn);
      const r = await adapter.pause(queueRef('bullmq', 'default', 'future'));
      assert.equal(r.status, 'refused');
      assert.match(r.message, /bullmq:7\.0\.0.*5\.x and 6\.x/);
      assert.equal(await conn.hget('bull:future:meta', 'paused'), null, 'not paused');
      await adapter.close();
    } finally {
      await q6.close();
    }
  });
});

describe('BullMQ adapter: the workers of a queue', function () {
  this.timeout(30_000);
  it('two real workers of one queue are two rows with distinct ids (bullmq names both by the queue)', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const q = new bullmq6.Queue('two-workers', { connection: { port: redis.port } });
    const named = new bullmq6.Worker('two-workers', async () => undefined, { connection: { port: redis.port, maxRetriesPerRequest: null }, name: 'mailer-a' });
    const unnamed = new bullmq6.Worker('two-workers', async () => undefined, { connection: { port: redis.port, maxRetriesPerRequest: null } });
    try {
      await Promise.all([named.waitUntilReady(), unnamed.waitUntilReady(), q.add('x', {})]);
      const adapter = new BullmqAdapter('default', conn);
      const ref = (await adapter.discover(true)).find((r) => r.name === 'two-workers') ?? assert.fail('the queue');
      const r = await adapter.workers(ref);
      assert.ok('workers' in r);
      const ids = r.workers.map((w) => w.id).sort();
      assert.equal(ids.length, 2, JSON.stringify(r.workers));
      assert.equal(new Set(ids).size, 2);
      assert.ok(ids.some((id) => /^mailer-a \(client \d+\)$/.test(id)), ids.join(', '));
      assert.ok(ids.some((id) => /^client \d+$/.test(id)), ids.join(', '));
      await adapter.close();
    } finally {
      await named.close();
      await unnamed.close();
      await q.close();
      conn.disconnect();
      await redis.stop();
    }
  });
});
