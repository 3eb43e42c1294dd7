// Cancel against 8 real BullMQ workers eating 10 000 jobs: a cancel that answers "cancelled" never
// names a job a worker processed, and every job ends processed exactly once or cancelled.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { BullmqAdapter } from '../../src/queues/bullmq/bullmq-adapter';
import { queueRef } from '../../src/queues/contract';
import { FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';

const JOBS = 10_000;
const WORKERS = 8;

describe('BullMQ cancel is atomic against real workers', function () {
  this.timeout(180_000);
  let redis: TestRedis;
  const workers: ChildProcess[] = [];
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await redis.stop();
  });

  it(`${JOBS} jobs, ${WORKERS} workers, a cancel for every job: no "cancelled" job was processed`, async () => {
    const name = 'race';
    const producer = new Queue(name, { connection: { port: redis.port } });
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i += 1000) {
      const batch = await producer.addBulk(Array.from({ length: 1000 }, (_, j) => ({ name: 'job', data: { i: i + j }, opts: { removeOnComplete: false } })));
      ids.push(...batch.map((b) => String(b.id)));
    }
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const adapter = new BullmqAdapter('default', conn);
    const q = queueRef('bullmq', 'default', name);
    for (let i = 0; i < WORKERS; i++) {
      const env = { ...process.env, REDIS_URL: redis.url, QUEUE: name, JOB_MS: '0' };
      const w = spawn(process.execPath, [path.join(FIXTURES, 'workers', 'bullmq-worker.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      workers.push(w);
    }
    // Cancel every job, 16 at a time, front to back: the workers race for the same jobs.
    const cancelled: string[] = [];
    const refused: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const r = await adapter.cancel(q, id);
        if (r.ok) cancelled.push(id);
        else if (r.status === 'taken' || r.status === 'not-found') refused.push(id);
        else assert.fail(`${id}: ${r.status} ${r.message}`);
      }
    }));
    const client = redis.client();
    const processed = await waitFor(async () => {
      const p = await client.lrange(`test:${name}:processed`, 0, -1);
      return p.length + cancelled.length >= JOBS ? p : undefined;
    }, 'every job processed or cancelled', 60_000);
    const done = new Set(processed);
    const both = cancelled.filter((id) => done.has(id));
    assert.deepEqual(both.slice(0, 10), [], `${both.length} job(s) answered "cancelled" but were processed`);
    assert.equal(done.size, processed.length, 'no job processed twice');
    assert.equal(processed.length + cancelled.length, JOBS, 'every job processed once or cancelled');
    assert.ok(cancelled.length > 100 && refused.length > 100, `a real race: ${cancelled.length} cancelled, ${refused.length} taken`);
    for (const id of cancelled.slice(0, 50)) assert.equal(await client.exists(`bull:${name}:${id}`), 0, 'a cancelled job is deleted');
    client.disconnect();
    conn.disconnect();
    await producer.close();
  });
});
