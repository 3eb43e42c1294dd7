// Counts in parts: Laravel, BullMQ and RQ read many queues in several script calls, each sent as soon
// as it is built, and hand each call's counts over as its reply arrives; the observer passes them
// to the signals tick (after the flows they are figured with). Against real queues written by
// bullmq itself and in Laravel's and RQ's layouts, on a private redis-server.
import { strict as assert } from 'node:assert';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { parseConfigText } from '../../src/core/config/parse-config';
import type { QueueObservation } from '../../src/core/signals/observations';
import { QueueObserver } from '../../src/node/signals/observe-queues';
import { BullmqAdapter } from '../../src/queues/bullmq/bullmq-adapter';
import { BULLMQ_COUNTS_CHUNK, BULLMQ_COUNTS_FIRST_CHUNK } from '../../src/queues/bullmq/bullmq-counts-script';
import type { QueueCounts } from '../../src/queues/contract';
import { LaravelAdapter } from '../../src/queues/laravel/laravel-adapter';
import { LaravelKeys } from '../../src/queues/laravel/laravel-keys';
import { LARAVEL_COUNTS_CHUNK, LARAVEL_COUNTS_FIRST_CHUNK } from '../../src/queues/laravel/laravel-scripts';
import { QueueService } from '../../src/queues/queue-service';
import { RqAdapter } from '../../src/queues/rq/rq-adapter';
import { RqKeys } from '../../src/queues/rq/rq-keys';
import { RQ_COUNTS_CHUNK, RQ_COUNTS_FIRST_CHUNK } from '../../src/queues/rq/rq-scripts';
import { createAdapters } from '../../src/queues/registry';
import { TestRedis } from '../helpers/redis-server';

const N = 250;

/** The sizes of the parts N queues come in: a small first call, then calls of `chunk`. */
const partSizes = (first: number, chunk: number): number[] => {
  const out = [first];
  for (let left = N - first; left > 0; left -= chunk) out.push(Math.min(chunk, left));
  return out;
};

describe('counts in parts, as each call of the counts script replies', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let conn: Redis;
  before(async () => {
    redis = await TestRedis.start();
    conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const lk = new LaravelKeys();
    const fill = conn.pipeline();
    // Queue i holds i % 7 pending jobs and i % 3 delayed ones: every queue's counts tell it apart.
    for (let i = 0; i < N; i++) {
      const job = (n: number) => JSON.stringify({ uuid: `u-${i}-${n}`, displayName: 'App\\Jobs\\Mail', id: `j-${i}-${n}`, attempts: 0, data: {} });
      for (let n = 0; n < i % 7; n++) fill.rpush(lk.pending(`lq-${i}`), job(n));
      for (let n = 0; n < i % 3; n++) fill.zadd(lk.delayed(`lq-${i}`), String(Date.now() / 1000 + 3600), job(100 + n));
      if (i % 7 === 0 && i % 3 === 0) fill.zadd(lk.reserved(`lq-${i}`), String(Date.now() / 1000 + 60), job(200));
    }
    await fill.exec();
  });
  after(async () => {
    conn?.disconnect();
    await redis?.stop();
  });

  it('Laravel: the parts come in the calls\' sizes, make up the result in order, and each queue counts as its keys do', async () => {
    const adapter = new LaravelAdapter('default', conn);
    const refs = (await adapter.discover(true)).filter((r) => r.name.startsWith('lq-'));
    assert.equal(refs.length, N);
    const parts: (readonly QueueCounts[])[] = [];
    const all = await adapter.counts(refs, Date.now(), (p) => parts.push(p));
    assert.deepEqual(parts.map((p) => p.length), partSizes(LARAVEL_COUNTS_FIRST_CHUNK, LARAVEL_COUNTS_CHUNK));
    assert.deepEqual(parts.flat(), all);
    assert.deepEqual(all.map((c) => c.queue), refs);
    const lk = new LaravelKeys();
    const truth = conn.pipeline();
    for (const r of refs) truth.llen(lk.pending(r.name)).zcard(lk.delayed(r.name)).zcard(lk.reserved(r.name));
    const sizes = ((await truth.exec()) ?? []).map(([, v]) => Number(v));
    all.forEach((c, i) => assert.deepEqual([c.counts.pending, c.counts.delayed, c.counts.active], sizes.slice(3 * i, 3 * i + 3), c.queue.id));
    // Without a part to hand them to, the same counts.
    assert.deepEqual((await adapter.counts(refs, Date.now())).map((c) => c.counts), all.map((c) => c.counts));
  });

  it('BullMQ: the parts come in the calls\' sizes, make up the result in order, and each queue counts as getJobCounts does', async () => {
    const queues: Queue[] = [];
    try {
      for (let i = 0; i < N; i++) {
        const q = new Queue(`bq-${i}`, { connection: conn });
        queues.push(q);
        if (i % 5 > 0) await q.addBulk(Array.from({ length: i % 5 }, (_, j) => ({ name: 'job', data: { j } })));
        if (i % 4 === 0) await q.add('later', {}, { delay: 3_600_000 });
      }
      const adapter = new BullmqAdapter('default', conn);
      const refs = (await adapter.discover(true)).filter((r) => r.name.startsWith('bq-'));
      refs.sort((a, b) => Number(a.name.slice(3)) - Number(b.name.slice(3)));
      assert.equal(refs.length, N);
      const now = Date.now();
      for (const [round, at] of [['first, in full', now], ['again, from the events', now + 1000]] as const) {
        // The second round follows a job added to every third queue: read from their events.
        if (round !== 'first, in full') for (let i = 0; i < N; i += 3) await queues[i].add('more', {});
        const parts: (readonly QueueCounts[])[] = [];
        const all = await adapter.counts(refs, at, (p) => parts.push(p));
        assert.deepEqual(parts.map((p) => p.length), partSizes(BULLMQ_COUNTS_FIRST_CHUNK, BULLMQ_COUNTS_CHUNK), round);
        assert.deepEqual(parts.flat(), all, round);
        assert.deepEqual(all.map((c) => c.queue), refs, round);
        const theirs = await Promise.all(queues.map((q) => q.getJobCounts()));
        all.forEach((c, i) => assert.deepEqual([c.counts.pending, c.counts.delayed], [theirs[i].waiting + (theirs[i].paused ?? 0), theirs[i].delayed], `${round}: ${c.queue.id}`));
      }
      assert.ok(adapter.readings.events > 0, 'the second round was read from the events');
      await adapter.close();
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
  });

  it('RQ: the parts come in the calls\' sizes, make up the result in order, each queue counts as its keys do, the oldest job\'s age from its enqueued_at', async () => {
    // RQ's layout as RQ 1.x writes it: rq:queues, a list of job ids per queue, a hash per job with
    // its enqueued_at (RQ's own format), the scheduled registry. Queue i holds i % 5 pending jobs,
    // the oldest enqueued i seconds before `now`, and i % 4 scheduled ones.
    const rk = new RqKeys();
    const now = Date.UTC(2026, 11, 7, 18, 0, 0);
    const rqFormat = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
    const fill = conn.pipeline();
    for (let i = 0; i < N; i++) {
      const name = `rqq-${i}`;
      fill.sadd(rk.queues(), rk.queue(name));
      for (let n = 0; n < i % 5; n++) {
        const id = `rj-${i}-${n}`;
        fill.rpush(rk.queue(name), id);
        fill.hset(rk.job(id), 'status', 'queued', 'origin', name, 'enqueued_at', rqFormat(now - i * 1000 + n), 'description', 'tasks.mail()');
      }
      for (let n = 0; n < i % 4; n++) fill.zadd(rk.registry('scheduled', name), String(now / 1000 + 3600), `rs-${i}-${n}`);
    }
    await fill.exec();
    const adapter = new RqAdapter('default', conn);
    const refs = (await adapter.discover(true)).filter((r) => r.name.startsWith('rqq-'));
    refs.sort((a, b) => Number(a.name.slice(4)) - Number(b.name.slice(4)));
    assert.equal(refs.length, N);
    for (const suspended of [false, true]) {
      if (suspended) await conn.set(`${rk.prefix}suspended`, '1');
      const parts: (readonly QueueCounts[])[] = [];
      const all = await adapter.counts(refs, now, (p) => parts.push(p));
      assert.deepEqual(parts.map((p) => p.length), partSizes(RQ_COUNTS_FIRST_CHUNK, RQ_COUNTS_CHUNK));
      assert.deepEqual(parts.flat(), all);
      assert.deepEqual(all.map((c) => c.queue), refs);
      const truth = conn.pipeline();
      for (const r of refs) truth.llen(rk.queue(r.name)).zcard(rk.registry('scheduled', r.name));
      const sizes = ((await truth.exec()) ?? []).map(([, v]) => Number(v));
      all.forEach((c, i) => {
        assert.deepEqual([c.counts.pending, c.counts.delayed], sizes.slice(2 * i, 2 * i + 2), c.queue.id);
        assert.equal(c.oldestPendingAgeMs, i % 5 ? i * 1000 : null, `${c.queue.id}: the age of its oldest job`);
        assert.equal(c.paused, suspended, `${c.queue.id}: RQ suspended or not`);
      });
    }
    await conn.del(`${rk.prefix}suspended`);
  });

  it('the observer hands the parts over after the flows, and they are the observations of the whole reading', async () => {
    const { config } = parseConfigText(JSON.stringify({ queues: { laravel: {} } }), '/x/chaperone.json');
    const service = new QueueService([{ config: config.connections[0], redis: conn, adapters: createAdapters(config.connections[0], conn) }], { record: () => undefined }, 'test');
    const observer = new QueueObserver(service, () => new Map());
    const events: string[] = [];
    const handed: QueueObservation[] = [];
    const { queues } = await observer.observe(Date.now(), {
      flows: (readings) => events.push(`flows ${readings.length}`),
      queues: (part) => {
        events.push(`queues ${part.length}`);
        handed.push(...part);
      },
    });
    assert.deepEqual(events, ['flows 1', ...partSizes(LARAVEL_COUNTS_FIRST_CHUNK, LARAVEL_COUNTS_CHUNK).map((n) => `queues ${n}`)]);
    assert.deepEqual(handed, queues);
    const pending = new Map(queues.map((o) => [o.id, o.pending]));
    for (let i = 0; i < N; i += 37) assert.equal(pending.get(`laravel:lq-${i}`), i % 7);
  });

  it('a reading that fails hands nothing on after it: what its other calls bring later goes nowhere', async () => {
    // A key in the queues' place that is not a list: the first call's script fails on it (WRONGTYPE),
    // while Redis still counts the other calls' queues.
    await conn.set('laravel_database_queues:a-broken', 'not a list');
    try {
      const { config } = parseConfigText(JSON.stringify({ queues: { laravel: {} } }), '/x/chaperone.json');
      const service = new QueueService([{ config: config.connections[0], redis: conn, adapters: createAdapters(config.connections[0], conn) }], { record: () => undefined }, 'test');
      const observer = new QueueObserver(service, () => new Map());
      let calls = 0;
      const sink = { flows: () => calls++, queues: () => calls++ };
      const { queues } = await observer.observe(Date.now(), sink);
      assert.deepEqual(queues, []);
      assert.match(observer.errors.get('default/laravel') ?? '', /WRONGTYPE/);
      const atEnd = calls;
      await new Promise((r) => setTimeout(r, 200)); // the other calls' replies have come by now
      assert.equal(calls, atEnd, 'nothing handed on after the reading failed');
      assert.ok(await conn.ping());
    } finally {
      await conn.del('laravel_database_queues:a-broken');
    }
  });
});
