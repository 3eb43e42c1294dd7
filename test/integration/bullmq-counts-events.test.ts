// BullMQ counts that follow the events stream (bullmq-counts-script.ts): after every kind of
// transition a real bullmq makes, the adapter's counts equal bullmq's own getJobCounts, and the
// tests check which way they were read (from the events, or a full count where the events cannot
// settle them), for bullmq 5 and 6.
import { strict as assert } from 'node:assert';
import * as bullmq6 from 'bullmq';
import * as bullmq5 from 'bullmq-v5';
import Redis from 'ioredis';
import { BullmqAdapter } from '../../src/queues/bullmq/bullmq-adapter';
import { BULLMQ_COUNTS_MAX_EVENTS, BULLMQ_FULL_COUNT_EVERY_MS, BULLMQ_RUNTIME_CHECK_EVERY_MS, BULLMQ_RUNTIME_EVERY_MS } from '../../src/queues/bullmq/bullmq-counts-script';
import { queueRef } from '../../src/queues/contract';
import { TestRedis } from '../helpers/redis-server';
import { sleep, waitFor } from '../helpers/wait';

type Lib = typeof bullmq6;
const LIBS: [string, Lib][] = [
  ['bullmq 6', bullmq6],
  ['bullmq 5', bullmq5 as unknown as Lib],
];

for (const [label, lib] of LIBS) {
  describe(`BullMQ counts from the events stream (${label}, real bullmq)`, function () {
    this.timeout(60_000);
    let redis: TestRedis;
    let conn: Redis;
    let queue: bullmq6.Queue;
    let worker: bullmq6.Worker;
    let adapter: BullmqAdapter;
    const name = 'evq';
    const ref = queueRef('bullmq', 'default', name);
    const token = 'test-token';
    // The same instant for every reading: no periodic full count falls due, so what is not read
    // from the events is visibly a full count of its own.
    const now = Date.now();

    before(async () => {
      redis = await TestRedis.start();
    });
    after(async () => {
      await redis.stop();
    });
    beforeEach(async () => {
      await redis.client().flushall();
      conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      queue = new lib.Queue(name, { connection: { port: redis.port } });
      // A worker without a processor: jobs are taken and finished by hand, one transition at a time.
      worker = new lib.Worker(name, null, { connection: { port: redis.port }, autorun: false });
      adapter = new BullmqAdapter('default', conn);
    });
    afterEach(async () => {
      await worker.close();
      await queue.close();
      await adapter.close();
      conn.disconnect();
    });

    /** The adapter's counts beside bullmq's own, and how the adapter read them. */
    async function check(what: string, expect: 'events' | 'full' | 'again' | 'unchanged' | 'either', at = now, by = adapter): Promise<void> {
      const before = { ...by.readings };
      const [ours] = await by.counts([ref], at);
      const theirs = await queue.getJobCounts();
      const system = { pending: theirs.waiting + (theirs.paused ?? 0), delayed: theirs.delayed, active: theirs.active, failed: theirs.failed, prioritized: theirs.prioritized, completed: theirs.completed, 'waiting-children': theirs['waiting-children'] };
      assert.deepEqual(ours.counts, system, `${what}: counts`);
      assert.equal(ours.paused, await queue.isPaused(), `${what}: paused`);
      const way = (['events', 'full', 'again', 'unchanged'] as const).find((k) => by.readings[k] > before[k]);
      if (expect !== 'either') assert.equal(way, expect, `${what}: read ${way}, expected ${expect}`);
    }

    it('follows every transition bullmq announces, reading only the states it touched', async () => {
      // A queue without events yet has no stream to follow: counted in full.
      await check('a new, empty queue', 'full');
      await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'send', data: { i } })));
      await check('5 jobs added to a queue that had no stream', 'full');
      await check('nothing happened', 'unchanged');
      await queue.addBulk(Array.from({ length: 2 }, (_, i) => ({ name: 'send', data: { i } })));
      await check('2 more jobs added', 'events');
      const delayed = await queue.add('later', {}, { delay: 3_600_000 });
      await check('a delayed job added', 'events');
      await queue.add('urgent', {}, { priority: 3 });
      await check('a prioritized job added', 'events');
      const first = await worker.getNextJob(token);
      assert.ok(first);
      await check('a job taken (active)', 'events');
      await first.updateProgress(50);
      await check('progress only', 'events');
      await first.moveToCompleted('ok', token, false);
      await check('completed', 'events');
      const second = await worker.getNextJob(token);
      assert.ok(second);
      await second.moveToFailed(new Error('boom'), token, false);
      await check('failed', 'events');
      await second.retry('failed');
      await check('failed job retried', 'events');
      await delayed.promote();
      await check('delayed job promoted', 'events');
      const waiting = (await queue.getJobs(['waiting'], 0, 0))[0];
      await waiting.remove();
      await check('a waiting job removed', 'events');
      // removeOnComplete trims the completed set inside the completion itself, with no event of its
      // own: the completion's re-read of the set counts it.
      for (let i = 0; i < 3; i++) {
        const j = await worker.getNextJob(token);
        assert.ok(j);
        await j.moveToCompleted('ok', token, false);
      }
      await check('three more completed', 'events');
      await queue.add('trimmed', {}, { removeOnComplete: 1 });
      const t = await worker.getNextJob(token);
      assert.ok(t);
      await t.moveToCompleted('ok', token, false);
      await check('a completion with removeOnComplete', 'events');
    });

    it('counts in full where the events cannot settle it, and is right after', async () => {
      await queue.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'send', data: { i } })));
      await check('first reading', 'full');
      await queue.pause();
      await check('paused (an event the counts cannot apply)', 'full');
      await queue.resume();
      // The queue fell back to full counts: it is counted in full for a while.
      await check('resumed', 'full');
      const later = now + BULLMQ_FULL_COUNT_EVERY_MS + 1;
      const [c] = await adapter.counts([ref], later);
      assert.equal(c.counts.pending, 3);
      // Too many events between two readings: counted in full.
      const fresh = new BullmqAdapter('default', conn);
      try {
        await fresh.counts([ref], now);
        await queue.addBulk(Array.from({ length: BULLMQ_COUNTS_MAX_EVENTS }, (_, i) => ({ name: 'bulk', data: { i } })));
        const before = fresh.readings.full;
        const [after] = await fresh.counts([ref], now);
        assert.equal(fresh.readings.full, before + 1, 'more events than the script reads: a full count');
        assert.equal(after.counts.pending, 3 + BULLMQ_COUNTS_MAX_EVENTS);
      } finally {
        await fresh.close();
      }
    });

    it('sees a gap in the capped stream, a deleted stream and its own silent writes', async () => {
      await queue.addBulk(Array.from({ length: 4 }, (_, i) => ({ name: 'send', data: { i } })));
      await check('first reading', 'full');
      // Queue.drain emits no event: the adapter's own purge has the states it empties read again.
      const result = await adapter.purge(ref);
      assert.equal(result.status, 'done', result.message);
      await check('purged through the adapter: the states a drain empties read again', 'again');
      await queue.add('again', {});
      await check('a job added after the purge', 'events');
      // The stream trimmed past the cursor (and a job added after): the events since the cursor
      // are not all there any more.
      await queue.trimEvents(0);
      await queue.add('after-trim', {});
      await check('the cursor trimmed away', 'full');
      // Obliterate deletes the stream with everything else.
      await queue.obliterate({ force: true });
      await check('obliterated', 'full');
    });

    it('sees a gap and a deleted stream whichever way it reads the stream (one XREAD, or newest first)', async () => {
      // A queue whose last reading had new events is read newest first (XREVRANGE); one whose last
      // reading had none, with the other quiet ones in one XREAD. Each way must see a gap and a
      // deleted stream, with a fresh adapter each (a fallback counts a queue in full for a while).
      for (const moving of [false, true]) {
        for (const cut of ['trimmed', 'deleted'] as const) {
          const what = `${cut}, read ${moving ? 'newest first' : 'with the quiet ones'}`;
          await redis.client().flushall();
          const fresh = new BullmqAdapter('default', conn);
          try {
            const read = async (expect: keyof BullmqAdapter['readings'], step: string) => {
              const before = { ...fresh.readings };
              const [ours] = await fresh.counts([ref], now);
              const theirs = await queue.getJobCounts();
              assert.equal(ours.counts.pending, theirs.waiting + (theirs.paused ?? 0), `${what}, ${step}: pending`);
              assert.equal(ours.counts.delayed, theirs.delayed, `${what}, ${step}: delayed`);
              const way = (['events', 'full', 'again', 'unchanged'] as const).find((k) => fresh.readings[k] > before[k]);
              assert.equal(way, expect, `${what}, ${step}: read ${way}, expected ${expect}`);
            };
            await queue.addBulk([{ name: 'a', data: {} }, { name: 'b', data: {} }]);
            await read('full', 'first reading');
            if (moving) {
              await queue.add('c', {});
              await read('events', 'a job added');
            } else {
              await read('unchanged', 'nothing new');
            }
            if (cut === 'trimmed') {
              await queue.trimEvents(0);
              await queue.add('after-trim', {}, { delay: 60_000 });
            } else {
              await queue.obliterate({ force: true });
            }
            await read('full', 'after');
          } finally {
            await fresh.close();
          }
        }
      }
    });

    it('reads a moving queue newest first down to its cursor: up to MAX_EVENTS new events from them, one more in full, none as unchanged', async () => {
      // Each progress report is one event that changes no count. A queue whose last reading had
      // new events is read newest first, down to its cursor: its bounds, on real events.
      for (const extra of [0, 1]) {
        await redis.client().flushall();
        const fresh = new BullmqAdapter('default', conn);
        try {
          const [job] = await queue.addBulk([{ name: 'a', data: {} }]);
          await check(`+${extra}: first reading`, 'full', now, fresh);
          await job.updateProgress(1);
          await check(`+${extra}: one event (the queue is moving now)`, 'events', now, fresh);
          for (let i = 0; i < BULLMQ_COUNTS_MAX_EVENTS + extra; i++) await job.updateProgress(i + 2);
          await check(`${BULLMQ_COUNTS_MAX_EVENTS + extra} new events, newest first`, extra ? 'full' : 'events', now, fresh);
          if (!extra) await check('nothing new since, newest first', 'unchanged', now, fresh);
        } finally {
          await fresh.close();
        }
      }
    });

    it('follows a paused queue by its events (BullMQ 5 keeps its jobs in a list of their own)', async () => {
      await queue.add('a', {});
      await check('first reading', 'full');
      await queue.pause();
      await check('paused', 'full');
      // Past the time a fallback counts it in full: the states that move silently read again, then
      // jobs added while paused followed by their events.
      const later = now + BULLMQ_FULL_COUNT_EVERY_MS + 1;
      await check('paused, a while later', 'again', later);
      await queue.addBulk([{ name: 'b', data: {} }, { name: 'c', data: {} }]);
      await check('jobs added to the paused queue', 'events', later + 1);
      await queue.resume();
      await check('resumed', 'full', later + 2);
    });

    it('leaves what emits no event to the periodic full count', async () => {
      await queue.add('a', {}, { priority: 5 });
      await queue.add('b', {});
      await check('first reading', 'full');
      const job = (await queue.getJobs(['prioritized'], 0, 0))[0];
      // changePriority moves a job between wait and prioritized without an event.
      await job.changePriority({ priority: 0 });
      const [stale] = await adapter.counts([ref], now);
      assert.equal(stale.counts.prioritized, 1, 'until the periodic full count, the old split stands');
      await check('the periodic re-read of what moves without an event', 'again', now + BULLMQ_FULL_COUNT_EVERY_MS);
    });

    it('measures the runtime again where the completed jobs moved, and at the longer check otherwise', async () => {
      // Start and end times set by hand on real completed jobs, so that each average is known.
      const times = (id: string | undefined, started: number, finished: number) => conn.hset(`bull:${name}:${id}`, 'processedOn', String(started), 'finishedOn', String(finished));
      await queue.add('a', {});
      const a = await worker.getNextJob(token);
      assert.ok(a);
      await a.moveToCompleted('ok', token, false);
      await times(a.id, 1000, 1100);
      const runtimeAt = async (at: number) => (await adapter.counts([ref], at))[0].runtimeMs;
      assert.equal(await runtimeAt(now), 100, 'first reading: measured');
      // Changed behind BullMQ's back (no event): the cached figure stands until the longer check.
      await times(a.id, 1000, 1300);
      assert.equal(await runtimeAt(now + BULLMQ_RUNTIME_EVERY_MS + 1000), 100, 'nothing completed since: not measured again');
      const checked = now + BULLMQ_RUNTIME_CHECK_EVERY_MS + 1000;
      assert.equal(await runtimeAt(checked), 300, 'the longer check measures it all the same');
      // A completion (an event): measured again once the shorter period has passed.
      await queue.add('b', {});
      const b = await worker.getNextJob(token);
      assert.ok(b);
      await b.moveToCompleted('ok', token, false);
      await times(b.id, 2000, 2500);
      assert.equal(await runtimeAt(checked + 1000), 300, 'within the period: the cached figure');
      assert.equal(await runtimeAt(checked + BULLMQ_RUNTIME_EVERY_MS), 400, 'a job completed since: measured again (300 and 500)');
    });

    it('matches getJobCounts once real workers under load settle, having followed them by events', async () => {
      const busy = new lib.Worker(name, async (job) => {
        await sleep(2);
        if ((job.data as { i: number }).i % 5 === 0) throw new Error('every fifth fails');
        return 'ok';
      }, { connection: { port: redis.port }, concurrency: 4 });
      try {
        await check('first reading', 'full');
        let added = 0;
        const producing = (async () => {
          for (let round = 0; round < 40; round++) {
            await queue.addBulk(Array.from({ length: 5 }, (_, k) => ({ name: 'load', data: { i: added + k }, opts: { removeOnComplete: 25, removeOnFail: 10, ...(k === 3 ? { delay: 50 } : {}) } })));
            added += 5;
            await sleep(20);
          }
        })();
        // Readings every 5 ms, dated a second apart as at 1 Hz: most from the events, some in full
        // (every state again every 5 s, and after bursts of over 32 events).
        let t = now;
        while (added < 200) {
          await adapter.counts([ref], (t += 1000));
          await sleep(5);
        }
        await producing;
        await waitFor(async () => {
          const c = await queue.getJobCounts();
          return c.waiting + c.active + c.delayed === 0;
        }, 'the workers to finish every job');
        await busy.close();
        await check('settled', 'either', t + 1000);
        assert.ok(adapter.readings.events > 10, `read from events ${adapter.readings.events} times (full ${adapter.readings.full})`);
      } finally {
        await busy.close();
      }
    });
  });
}
