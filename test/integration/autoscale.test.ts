// Autoscaling of a real pool of real BullMQ workers, fed by the real counts of a real backlog.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { node, startEngine, type Harness } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';

describe('autoscaling on queue depth (BullMQ)', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  let h: Harness | undefined;
  let q: Queue | undefined;
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await h?.engine.shutdown(3000);
    await q?.close();
    await redis.stop();
  });

  it('grows the pool as the backlog rises and shrinks it as the backlog drains', async () => {
    q = new Queue('scale-me', { connection: { port: redis.port } });
    h = await startEngine({
      redis: { url: redis.url },
      supervisor: { sampleInterval: '200ms' },
      pools: {
        mail: {
          command: node(path.join(FIXTURES, 'workers', 'bullmq-worker.js')),
          env: { REDIS_URL: redis.url, QUEUE: 'scale-me', JOB_MS: '40' },
          processes: { min: 1, max: 4 },
          restart: { minUptime: '200ms' },
          queues: ['bullmq:scale-me'],
          scale: { strategy: 'depth', jobsPerWorker: 20, cooldown: '300ms', maxShift: 1 },
        },
      },
    }, { redisUrl: redis.url });
    await waitFor(() => h?.running('mail').length === 1, 'one worker at min');
    const pool = h.engine.supervisor.pools.get('mail');
    assert.ok(pool);
    let peak = 0;
    const watch = pool.changed.on(() => (peak = Math.max(peak, pool.desired)));
    await q.addBulk(Array.from({ length: 300 }, (_, i) => ({ name: 'send', data: { i } })));
    await waitFor(() => pool.desired === 4, 'scaled up to max 4', 30_000);
    await waitFor(() => h?.running('mail').length === 4, '4 workers running', 15_000);
    // One step at a time (maxShift 1), each one audited with its reason.
    const ups = h.audit.filter((a) => a.verb === 'autoscale');
    assert.ok(ups.length >= 3, JSON.stringify(ups));
    assert.match(ups[0].detail ?? '', /job\(s\) at 20 per worker: 1 -> 2/);
    // The backlog drains (real workers processing); the pool goes back to min.
    await waitFor(async () => (await q?.getJobCounts('waiting', 'active'))?.waiting === 0, 'backlog drained', 60_000);
    await waitFor(() => pool.desired === 1, 'scaled back down to 1', 30_000);
    await waitFor(() => h?.workers('mail').length === 1, 'one worker left', 15_000);
    watch.dispose();
    assert.equal(peak, 4);
    await waitFor(async () => (await q?.getJobCounts('completed'))?.completed === 300, `every job processed (${JSON.stringify(await q.getJobCounts())})`, 10_000);
  });
});
