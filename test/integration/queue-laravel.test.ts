import { execFile, spawn } from 'node:child_process';
import * as path from 'node:path';
import Redis from 'ioredis';
import { LaravelAdapter } from '../../src/queues/laravel/laravel-adapter';
import { FIXTURES } from '../helpers/paths';
import type { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { queueConformance, type ConformanceFixture } from './queue-conformance';

const LARAVEL = path.join(FIXTURES, 'laravel');

function php(redis: TestRedis, script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('php', [path.join(LARAVEL, script), ...args], { env: { ...process.env, REDIS_PORT: String(redis.port) } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`php ${script}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function laravelFixture(redis: TestRedis): Promise<ConformanceFixture> {
  const client = redis.client();
  const adapterConn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  return {
    system: 'laravel',
    jobAges: false, // Illuminate 8.x payloads carry no pushedAt/createdAt (Horizon and 12.11+ do)
    adapter: async () => new LaravelAdapter('default', adapterConn),
    async produce(queue, n, opts = {}) {
      const delay = opts.delayMs ? String(Math.ceil(opts.delayMs / 1000)) : '0';
      const out = await php(redis, 'producer.php', [queue, String(n), delay, opts.fail ? '1' : '0']);
      return out.trim().split('\n').filter(Boolean);
    },
    async systemCounts(queue) {
      return { total: Number((await php(redis, 'size.php', [queue])).trim()) };
    },
    systemPaused: async () => false,
    async startWorker(queue) {
      const w = spawn('php', [path.join(LARAVEL, 'worker.php')], { env: { ...process.env, REDIS_PORT: String(redis.port), QUEUE: queue }, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      w.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => out.includes('ready'), 'laravel worker ready');
      return w;
    },
    processed: (queue) => client.lrange(`laravel_database_test:${queue}:processed`, 0, -1),
    async close() {
      client.disconnect();
      adapterConn.disconnect();
    },
  };
}

describe('queue adapter conformance: Laravel (real Illuminate queue workers from Debian)', function () {
  this.timeout(60_000);
  queueConformance(laravelFixture);
});
