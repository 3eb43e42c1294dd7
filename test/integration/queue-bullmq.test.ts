import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { BullmqAdapter } from '../../src/queues/bullmq/bullmq-adapter';
import { FIXTURES } from '../helpers/paths';
import type { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { queueConformance, type ConformanceFixture } from './queue-conformance';

async function bullmqFixture(redis: TestRedis): Promise<ConformanceFixture> {
  const queues = new Map<string, Queue>();
  const q = (name: string): Queue => {
    let x = queues.get(name);
    if (!x) {
      x = new Queue(name, { connection: { port: redis.port } });
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
      const jobs = await q(name).addBulk(Array.from({ length: n }, (_, i) => ({ name: 'send-mail', data: { i, to: `user${i}@example.com`, fail: opts.fail ?? false }, opts: { delay: opts.delayMs, attempts: 1 } })));
      return jobs.map((j) => String(j.id));
    },
    async systemCounts(name) {
      const c = await q(name).getJobCounts();
      return { pending: c.waiting + (c.paused ?? 0), delayed: c.delayed, active: c.active, failed: c.failed, completed: c.completed, prioritized: c.prioritized };
    },
    systemPaused: (name) => q(name).isPaused(),
    async startWorker(name, jobMs) {
      const w = spawn(process.execPath, [path.join(FIXTURES, 'workers', 'bullmq-worker.js')], { env: { ...process.env, REDIS_URL: redis.url, QUEUE: name, JOB_MS: String(jobMs) }, stdio: ['ignore', 'pipe', 'inherit'] });
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
}

describe('queue adapter conformance: BullMQ (real bullmq producers and workers)', function () {
  this.timeout(60_000);
  queueConformance(bullmqFixture);
});
