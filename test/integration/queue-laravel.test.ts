import { readOnlyGate } from '../../src/queues/read-only-gate';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import Redis from 'ioredis';
import { LaravelAdapter } from '../../src/queues/laravel/laravel-adapter';
import { FIXTURES } from '../helpers/paths';
import { runScript } from '../helpers/run-script';
import type { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { producerEnv, queueConformance, type ConformanceFixture } from './queue-conformance';

const LARAVEL = path.join(FIXTURES, 'laravel');

function php(redis: TestRedis, script: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return runScript('php', path.join(LARAVEL, script), args, { REDIS_PORT: String(redis.port), ...env });
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
      const out = await php(redis, 'producer.php', [queue, String(n), delay, opts.fail ? '1' : '0'], producerEnv(opts));
      return out.trim().split('\n').filter(Boolean);
    },
    // The payload JSON in the queue's list, as Illuminate pushed it.
    storedPayload: async (queue, id) => (await client.lrange(`laravel_database_queues:${queue}`, 0, -1)).find((m) => (JSON.parse(m) as { id?: string }).id === id),
    // Without Horizon, Laravel writes failed jobs to the database's failed_jobs table, not to Redis.
    keepsFailed: false,
    async systemCounts(queue) {
      return { total: Number((await php(redis, 'size.php', [queue])).trim()) };
    },
    // Laravel 12.40+ workers read this flag; Illuminate 8 has no pause, so its cache store is the judge.
    systemPaused: async (queue) => JSON.parse(await php(redis, 'cache-get.php', [`illuminate:queue:paused:redis:${queue}`])) === true,
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

describe('Laravel adapter: queue:restart through the cache store (real Illuminate worker)', function () {
  this.timeout(30_000);
  it('a worker finishes its current job, then exits 0; Laravel reads the flag as the timestamp set', async () => {
    const { TestRedis } = await import('../helpers/redis-server');
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const adapter = new LaravelAdapter('default', conn);
    const env = { ...process.env, REDIS_PORT: String(redis.port), QUEUE: 'restart-me' };
    const worker = spawn('php', [path.join(LARAVEL, 'worker.php')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      worker.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(() => out.includes('ready'), 'laravel worker ready');
      const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
      const [id] = (await php(redis, 'producer.php', ['restart-me', '1', '0', '0', '1500'])).trim().split('\n');
      const ref = (await adapter.discover(true)).find((q) => q.name === 'restart-me') ?? assert.fail('queue discovered');
      await waitFor(async () => ((await adapter.counts([ref], Date.now()))[0].counts.active === 1 ? true : undefined), 'job running');
      const r = await adapter.restartWorkers();
      assert.equal(r.ok, true, r.message);
      const stored = JSON.parse(await php(redis, 'cache-get.php', ['illuminate:queue:restart'])) as number;
      assert.ok(Math.abs(stored - Date.now() / 1000) < 5, `Laravel reads the restart flag as a timestamp: ${stored}`);
      assert.equal(await exited, 0, 'the worker exits cleanly');
      assert.deepEqual(await conn.lrange('laravel_database_test:restart-me:processed', 0, -1), [id], 'the running job was finished first');
    } finally {
      worker.kill('SIGKILL');
      await adapter.close();
      conn.disconnect();
      await redis.stop();
    }
  });

  it('a read-only connection refuses pause, resume and restart', async () => {
    const { TestRedis } = await import('../helpers/redis-server');
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      const adapter = readOnlyGate(new LaravelAdapter('prod', conn));
      const q = { system: 'laravel' as const, connection: 'prod', name: 'emails', id: 'laravel:emails' };
      for (const r of [await adapter.pause(q), await adapter.resume(q), (await adapter.restartWorkers?.()) ?? assert.fail('the gate has restartWorkers')]) {
        assert.equal(r.status, 'refused');
        assert.match(r.message, /read-only/);
      }
      await conn.select(1);
      assert.equal(await conn.dbsize(), 0, 'nothing written to the cache database');
    } finally {
      conn.disconnect();
      await redis.stop();
    }
  });
});

describe('Laravel adapter: oldest job age from newer payloads', function () {
  this.timeout(20_000);
  it('reads pushedAt (Horizon, string seconds) and createdAt (12.11+, integer seconds)', async () => {
    const { TestRedis } = await import('../helpers/redis-server');
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      const now = Date.now();
      const job = (id: string, extra: object) => JSON.stringify({ uuid: id, displayName: 'App\\Jobs\\SendMail', id, attempts: 0, data: {}, ...extra });
      await conn.rpush('laravel_database_queues:horizon', job('h1', { pushedAt: String((now - 90_000) / 1000) }), job('h2', { pushedAt: String(now / 1000) }));
      await conn.rpush('laravel_database_queues:modern', job('m1', { createdAt: Math.floor((now - 30_000) / 1000) }));
      await conn.rpush('laravel_database_queues:old', job('o1', {}));
      const adapter = new LaravelAdapter('default', conn);
      const counts = new Map((await adapter.counts(await adapter.discover(true), now)).map((c) => [c.queue.name, c]));
      const age = (q: string) => counts.get(q)?.oldestPendingAgeMs;
      assert.ok(Math.abs((age('horizon') ?? 0) - 90_000) < 50, `horizon ${age('horizon')}`);
      assert.ok(Math.abs((age('modern') ?? 0) - 30_000) < 1000, `modern ${age('modern')}`);
      assert.equal(age('old'), null);
      const listed = await adapter.list(counts.get('horizon')?.queue ?? assert.fail(), 'pending', 5, now);
      assert.deepEqual(listed.map((j) => j.id), ['h1', 'h2']);
      assert.ok(Math.abs((listed[0].ageMs ?? 0) - 90_000) < 50);
      // A queue whose oldest job had no enqueue time has it read again only every 5 s; stamped
      // queues are read every time.
      await conn.lpop('laravel_database_queues:old');
      await conn.rpush('laravel_database_queues:old', job('o2', { createdAt: Math.floor((now - 20_000) / 1000) }));
      const later = async (ms: number) => new Map((await adapter.counts(await adapter.discover(), now + ms)).map((c) => [c.queue.name, c.oldestPendingAgeMs]));
      const soon = await later(1000);
      assert.equal(soon.get('old'), null, 'not read again within 5 s: unknown, as before');
      assert.ok(Math.abs((soon.get('horizon') ?? 0) - 91_000) < 50, `horizon ${soon.get('horizon')}`);
      const after5s = await later(5000);
      assert.ok(Math.abs((after5s.get('old') ?? 0) - 25_000) < 1000, `old after 5 s: ${after5s.get('old')}`);
    } finally {
      conn.disconnect();
      await redis.stop();
    }
  });
});
