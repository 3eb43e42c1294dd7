import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import Redis from 'ioredis';
import { queueRef } from '../../src/queues/contract';
import { SidekiqAdapter } from '../../src/queues/sidekiq/sidekiq-adapter';
import { FIXTURES } from '../helpers/paths';
import { readyOrKill, runScript } from '../helpers/run-script';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { startSidekiq } from '../helpers/system-workers';
import { producerEnv, queueConformance, type ConformanceFixture } from './queue-conformance';

const SIDEKIQ = path.join(FIXTURES, 'sidekiq');

function ruby(redis: TestRedis, script: string, args: string[], namespace = '', env: Record<string, string> = {}): Promise<string> {
  return runScript('ruby', path.join(SIDEKIQ, script), args, { REDIS_URL: redis.url, ...(namespace ? { SIDEKIQ_NAMESPACE: namespace } : {}), ...env });
}


const sidekiqFixture = (namespace = '') => async (redis: TestRedis): Promise<ConformanceFixture> => {
  const client = redis.client();
  const adapterConn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  return {
    system: 'sidekiq',
    jobAges: true,
    adapter: async () => new SidekiqAdapter('default', adapterConn, { namespace }),
    async produce(queue, n, opts = {}) {
      const out = await ruby(redis, 'producer.rb', [queue, String(n), opts.delayMs ? String(opts.delayMs / 1000) : '0', opts.fail ? '1' : '0'], namespace, producerEnv(opts));
      return out.trim().split('\n').filter(Boolean);
    },
    // The job's JSON in its queue's list, as Sidekiq::Client pushed it.
    storedPayload: async (queue, id) => (await client.lrange(`${namespace ? `${namespace}:` : ''}queue:${queue}`, 0, -1)).find((m) => (JSON.parse(m) as { jid?: string }).jid === id),
    keepsFailed: true,
    async systemCounts(queue) {
      const c = JSON.parse(await ruby(redis, 'counts.rb', [queue], namespace)) as { pending: number; delayed: number; failed: number };
      return { pending: c.pending, delayed: c.delayed, failed: c.failed };
    },
    systemPaused: async () => false,
    async startWorker(queue, jobMs) {
      const { w, ready } = startSidekiq(redis, queue, jobMs, namespace);
      return readyOrKill(w, ready);
    },
    processed: (queue) => client.lrange(`${namespace ? `${namespace}:` : ''}test:${queue}:processed`, 0, -1),
    async close() {
      client.disconnect();
      adapterConn.disconnect();
    },
  };
};

describe('queue adapter conformance: Sidekiq (real Sidekiq 6 processes from Debian)', function () {
  this.timeout(90_000);
  queueConformance(sidekiqFixture());
});

describe('queue adapter conformance: Sidekiq with a namespace (redis-namespace)', function () {
  this.timeout(90_000);
  queueConformance(sidekiqFixture('myapp'));
});

describe('Sidekiq adapter: clean the dead set of one queue', function () {
  this.timeout(60_000);
  it('removes the queue\'s dead jobs older than the grace, leaves its retry set and other queues\' dead jobs, as Sidekiq\'s own sets say', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const one = startSidekiq(redis, 'dq', 5);
    const two = startSidekiq(redis, 'dq2', 5);
    try {
      await one.ready();
      await two.ready();
      const adapter = new SidekiqAdapter('default', conn);
      const mine = (await ruby(redis, 'producer.rb', ['dq', '3', '0', '1'])).trim().split('\n');
      const theirs = (await ruby(redis, 'producer.rb', ['dq2', '2', '0', '1'])).trim().split('\n');
      const [stays] = (await ruby(redis, 'producer.rb', ['dq', '1', '0', '1'])).trim().split('\n');
      const own = async (q: string) => JSON.parse(await ruby(redis, 'counts.rb', [q])) as { retry: number; dead: number };
      await waitFor(async () => ((await own('dq')).retry === 4 && (await own('dq2')).retry === 2 ? true : undefined), 'all six failed into the retry set', 30_000, 200);
      // Killed into the dead set as Sidekiq's UI does, all but one of dq's.
      for (const [queue, jids] of [['dq', mine], ['dq2', theirs]] as const) {
        for (const jid of jids) {
          const k = await adapter.kill(queueRef('sidekiq', 'default', queue), jid);
          assert.equal(k.ok, true, k.message);
        }
      }
      const q = queueRef('sidekiq', 'default', 'dq');
      const none = await adapter.clean(q, 'failed', 3_600_000, 100);
      assert.match(none.message, /removed 0 dead/);
      const r = await adapter.clean(q, 'failed', 0, 100);
      assert.equal(r.ok, true, r.message);
      assert.match(r.message, /removed 3 dead job\(s\) of sidekiq:dq/);
      assert.deepEqual(await own('dq'), { ...(await own('dq')), retry: 1, dead: 0 }, 'the retry set left to run');
      assert.equal((await own('dq2')).dead, 2, "another queue's dead jobs stay");
      assert.ok((await adapter.search(q, 'failed', { text: '', limit: 10 }, Date.now())).jobs.some((j) => j.id === stays));
      assert.equal((await adapter.clean(q, 'completed', 0, 100)).status, 'refused');
    } finally {
      one.w.kill('SIGKILL');
      two.w.kill('SIGKILL');
      conn.disconnect();
      await redis.stop();
    }
  });
});

describe('Sidekiq adapter: processes, quiet and stop through the signals list', function () {
  this.timeout(60_000);
  it('lists a live process with its queues; quiet makes it stop fetching; stop makes it exit', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const { w, ready } = startSidekiq(redis, 'quiet-me', 20);
    try {
      await ready();
      const adapter = new SidekiqAdapter('default', conn);
      const live = await waitFor(async () => {
        const r = await adapter.workers(queueRef('sidekiq', 'default', 'quiet-me'));
        return 'workers' in r && r.workers.length === 1 ? r.workers[0] : undefined;
      }, 'the process registered with a heartbeat');
      assert.equal(live.pid, w.pid);
      const quiet = await adapter.stopWorker(live.id, 'quiet');
      assert.equal(quiet.ok, true, quiet.message);
      await waitFor(async () => ((await conn.hget(live.id, 'quiet')) === 'true' ? true : undefined), 'the process is quiet', 20_000);
      const [jid] = (await ruby(redis, 'producer.rb', ['quiet-me', '1'])).trim().split('\n');
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual(await conn.lrange('test:quiet-me:processed', 0, -1), [], 'a quiet process takes no job');
      assert.equal((await adapter.list(queueRef('sidekiq', 'default', 'quiet-me'), 'pending', 5, Date.now()))[0]?.id, jid);
      const exited = new Promise<number | null>((resolve) => w.once('exit', (code) => resolve(code)));
      assert.equal((await adapter.stopWorker(live.id, 'stop')).ok, true);
      assert.equal(await exited, 0, 'TERM: a clean exit');
      assert.equal((await adapter.stopWorker('nobody:1:abc', 'stop')).status, 'not-found');
    } finally {
      w.kill('SIGKILL');
      conn.disconnect();
      await redis.stop();
    }
  });
});

describe('Sidekiq adapter: kill and purge, as Sidekiq\'s own API sees them', function () {
  this.timeout(60_000);
  it('kill moves a scheduled job to dead; purge empties the queue; the CLI asks for --yes', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      const adapter = new SidekiqAdapter('default', conn);
      const [later] = (await ruby(redis, 'producer.rb', ['k', '1', '3600'])).trim().split('\n');
      await ruby(redis, 'producer.rb', ['k', '4']);
      const q = queueRef('sidekiq', 'default', 'k');
      assert.equal((await adapter.kill(q, later)).ok, true);
      assert.deepEqual(JSON.parse(await ruby(redis, 'counts.rb', ['k'])), { pending: 4, delayed: 0, failed: 1, retry: 0, dead: 1 });
      const { runCli } = await import('../helpers/run-cli');
      const noYes = await runCli(['purge', 'sidekiq:k', '--redis', redis.url]);
      assert.equal(noYes.code, 2);
      assert.match(noYes.stderr, /add --yes/);
      const purged = await runCli(['purge', 'sidekiq:k', '--yes', '--redis', redis.url], { env: { CHAPERONE_REDIS_URL: '' } });
      assert.equal(purged.code, 0, purged.stderr);
      assert.match(purged.stdout, /deleted the 4 pending job/);
      assert.deepEqual(JSON.parse(await ruby(redis, 'counts.rb', ['k'])), { pending: 0, delayed: 0, failed: 1, retry: 0, dead: 1 });
    } finally {
      conn.disconnect();
      await redis.stop();
    }
  });
});

describe('Sidekiq adapter: the 6.5+ layout of running jobs (written as Sidekiq 6.5 writes it)', function () {
  this.timeout(20_000);
  it('reads running jobs from "<identity>:work" as well as "<identity>:workers"', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      const id = 'host:123:abc';
      await conn.sadd('processes', id);
      await conn.hset(id, { info: JSON.stringify({ hostname: 'host', pid: 123, queues: ['mail'], concurrency: 5 }), busy: '1', beat: String(Date.now() / 1000), quiet: 'false' });
      const payload = JSON.stringify({ class: 'MailJob', args: [1], queue: 'mail', jid: 'abc123', enqueued_at: Date.now() / 1000 });
      await conn.hset(`${id}:work`, 'tid-1', JSON.stringify({ queue: 'mail', payload, run_at: Date.now() / 1000 }));
      await conn.sadd('queues', 'mail');
      const adapter = new SidekiqAdapter('default', conn);
      const ref = queueRef('sidekiq', 'default', 'mail');
      assert.equal((await adapter.counts([ref], Date.now()))[0].counts.active, 1);
      assert.deepEqual((await adapter.list(ref, 'active', 5, Date.now())).map((j) => j.id), ['abc123']);
      const cancel = await adapter.cancel(ref, 'abc123');
      assert.equal(cancel.status, 'taken');
      assert.match(cancel.message, /cannot cancel a running job/);
    } finally {
      conn.disconnect();
      await redis.stop();
    }
  });
});
