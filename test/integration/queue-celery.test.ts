import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import Redis from 'ioredis';
import { CeleryAdapter } from '../../src/queues/celery/celery-adapter';
import type { CeleryControl } from '../../src/queues/celery/celery-control';
import { QueueObserver } from '../../src/node/signals/observe-queues';
import { QueueService } from '../../src/queues/queue-service';
import { queueRef } from '../../src/queues/contract';
import { FIXTURES } from '../helpers/paths';
import { readyOrKill, runScript } from '../helpers/run-script';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { startCelery } from '../helpers/system-workers';
import { producerEnv, queueConformance, type ConformanceFixture } from './queue-conformance';

const CELERY = path.join(FIXTURES, 'celery');

function py(redis: TestRedis, script: string, args: string[], prefix = '', env: Record<string, string> = {}): Promise<string> {
  return runScript('/usr/bin/python3', path.join(CELERY, script), args, { REDIS_URL: redis.url, CELERY_KEYPREFIX: prefix, ...env });
}


const celeryFixture = (prefix = '') => async (redis: TestRedis): Promise<ConformanceFixture> => {
  const client = redis.client();
  const adapterConn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  const adapters: CeleryAdapter[] = [];
  return {
    system: 'celery',
    jobAges: false, // kombu messages carry no enqueue time
    adapter: async () => {
      const a = new CeleryAdapter('default', adapterConn, { prefix });
      adapters.push(a);
      return a;
    },
    async produce(queue, n, opts = {}) {
      const out = await py(redis, 'producer.py', [queue, String(n), opts.delayMs ? String(opts.delayMs / 1000) : '0', opts.fail ? '1' : '0'], prefix, producerEnv(opts));
      return out.trim().split('\n').filter(Boolean);
    },
    // The task's body in its kombu message (base64 in the list, as kombu stores it).
    async storedPayload(queue, id) {
      const m = (await client.lrange(`${prefix}${queue}`, 0, -1)).map((x) => JSON.parse(x) as { headers: { id: string }; body: string }).find((x) => x.headers.id === id);
      return m && Buffer.from(m.body, 'base64').toString('utf8');
    },
    // A failed task is kept as its result in the backend, which these workers write (Celery 5.2's
    // Redis backend has no key prefix: the prefixed app keeps none where the prefix says).
    keepsFailed: prefix === '',
    async systemCounts(queue) {
      // kombu's message count is the lists (ETA messages included); prefetched ones are not in it.
      const { listed } = JSON.parse(await py(redis, 'counts.py', [queue], prefix)) as { listed: number };
      const prefetched = (await client.hvals(`${prefix}unacked`)).filter((x) => x.endsWith(`"${queue}"]`)).length;
      return { total: listed + prefetched };
    },
    systemPaused: async () => false,
    async startWorker(queue, jobMs) {
      const { w, ready } = startCelery(redis, queue, jobMs, prefix, false, prefix === '');
      return readyOrKill(w, ready);
    },
    processed: (queue) => client.lrange(`test:${queue}:processed`, 0, -1),
    async close() {
      await Promise.all(adapters.map((a) => a.close()));
      client.disconnect();
      adapterConn.disconnect();
    },
  };
};

describe('queue adapter conformance: Celery (real Celery 5.2 workers from Debian)', function () {
  this.timeout(120_000);
  queueConformance(celeryFixture());
});

describe('queue adapter conformance: Celery with kombu\'s global_keyprefix', function () {
  this.timeout(120_000);
  queueConformance(celeryFixture('myapp:'));
});

describe('Celery adapter: heartbeats, revoke with terminate, pause by cancel_consumer, shutdown', function () {
  this.timeout(90_000);
  it('sees the worker, really stops a running task, stops and resumes consuming, shuts the worker down', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const adapter = new CeleryAdapter('default', conn);
    const { w, name, ready } = startCelery(redis, 'long', 60_000);
    try {
      await ready();
      const q = queueRef('celery', 'default', 'long');
      const seen = await waitFor(async () => {
        const r = await adapter.workers(q);
        return 'workers' in r && r.workers.length === 1 ? r.workers[0] : undefined;
      }, 'the worker seen (ping, then heartbeats)', 20_000, 500);
      assert.equal(seen.id, name);
      assert.deepEqual(seen.queues, ['celery:long']);

      const [id] = (await py(redis, 'producer.py', ['long', '1'])).trim().split('\n');
      await waitFor(async () => ((await conn.lrange('test:long:processed', 0, -1)).includes(id) ? true : undefined), 'the task started');
      await waitFor(async () => {
        const r = await adapter.workers(q);
        return 'workers' in r && /^1 active/.test(r.workers[0]?.detail ?? '') ? true : undefined;
      }, 'the heartbeat reports the task active', 15_000, 500);
      assert.equal((await adapter.cancelActive(q, id)).ok, true);
      await waitFor(async () => {
        const r = await adapter.workers(q);
        return 'workers' in r && /^0 active/.test(r.workers[0]?.detail ?? '') ? true : undefined;
      }, 'revoke with terminate stopped the 60 s task', 15_000, 500);

      const paused = await adapter.pause(q);
      assert.match(paused.message, /^1 worker\(s\) stopped consuming/);
      const resumed = await adapter.resume(q);
      assert.match(resumed.message, /^1 worker\(s\) consume/);

      const exited = new Promise<number | null>((resolve) => w.once('exit', (code) => resolve(code)));
      assert.equal((await adapter.stopWorker(name, 'stop')).ok, true);
      assert.equal(await exited, 0, 'warm shutdown: a clean exit');
      assert.equal((await adapter.stopWorker('nobody@nowhere', 'stop')).status, 'not-found');
    } finally {
      w.kill('SIGKILL');
      await adapter.close();
      conn.disconnect();
      await redis.stop();
    }
  });
});

describe('Celery adapter: results from the Redis result backend, only when asked', function () {
  this.timeout(60_000);
  it('lists a queue\'s failed and completed tasks from celery-task-meta-* (result_extended); counts the failures it holds, as AsyncResult says, kept current by the results it publishes', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const adapter = new CeleryAdapter('default', conn);
    const name = `w${randomUUID().slice(0, 8)}@chaperone-test`;
    const env = { ...process.env, REDIS_URL: redis.url, QUEUE: 'res', JOB_MS: '10', WORKER_NAME: name, CELERY_BACKEND: '1' };
    const w = spawn(path.join(CELERY, 'worker.sh'), [], { env, stdio: 'ignore' });
    try {
      const run = (fail: string) => new Promise<string>((resolve, reject) => execFile('/usr/bin/python3', [path.join(CELERY, 'producer.py'), 'res', '1', '0', fail], { env }, (err, out) => (err ? reject(err) : resolve(out.trim()))));
      const ok = await run('0');
      const bad = await run('1');
      const q = queueRef('celery', 'default', 'res');
      const failed = await waitFor(async () => {
        const f = await adapter.list(q, 'failed', 10, Date.now());
        return f.length === 1 ? f : undefined;
      }, 'the failure in the result backend', 30_000, 200);
      assert.equal(failed[0].id, bad);
      assert.equal(failed[0].name, 'tasks.test_job');
      assert.equal(failed[0].failedReason, 'RuntimeError: simulated failure');
      const done = await adapter.list(q, 'completed', 10, Date.now());
      assert.deepEqual(done.map((d) => d.id), [ok]);
      assert.deepEqual(await adapter.list(queueRef('celery', 'default', 'other'), 'failed', 10, Date.now()), []);
      // The task opened whole from its result alone (the message is gone), then deleted (forget).
      const d = await adapter.get(q, bad);
      assert.equal(d?.state, 'FAILURE');
      assert.equal(d?.error?.class, 'RuntimeError');
      assert.match(d?.error?.stack ?? '', /tasks\.py", line \d+, in test_job/);
      assert.equal(d?.worker, name);
      assert.deepEqual((await adapter.deleteFailed(q, ok)).status, 'refused', 'a success is not a failure');
      // The failed count is what the backend holds, as Celery's own AsyncResult tells each task's state.
      const more = [await run('1'), await run('1')];
      const states = async (ids: string[]) => (await new Promise<string>((resolve, reject) => execFile('/usr/bin/python3', ['-c', 'import sys; from tasks import app; print(" ".join(app.AsyncResult(i).state for i in sys.argv[1:]))', ...ids], { cwd: CELERY, env }, (err, out) => (err ? reject(err) : resolve(out.trim()))))).split(' ');
      await waitFor(async () => (await adapter.counts([q]))[0].counts.failed === 3 ? true : undefined, 'three failures counted', 30_000, 200);
      assert.deepEqual(await states([bad, ...more, ok]), ['FAILURE', 'FAILURE', 'FAILURE', 'SUCCESS']);
      assert.equal((await adapter.counts([queueRef('celery', 'default', 'other')]))[0].counts.failed, 0);
      const del = await adapter.deleteFailed(q, bad);
      assert.equal(del.ok, true, del.message);
      assert.deepEqual((await adapter.list(q, 'failed', 10, Date.now())).map((j) => j.id).sort(), [...more].sort());
      assert.equal((await adapter.counts([q]))[0].counts.failed, 2, 'the deleted one no longer counted');
      assert.equal(await adapter.get(q, bad), undefined, 'gone');
      assert.deepEqual(await states([bad]), ['PENDING'], 'Celery no longer knows it');
      // A failure after the index was built is counted from the result the backend publishes (the next full pass is a minute away).
      const late = await run('1');
      await waitFor(async () => (await adapter.counts([q]))[0].counts.failed === 3 ? true : undefined, 'the new failure counted', 20_000, 200);
      assert.ok((await adapter.list(q, 'failed', 10, Date.now())).some((j) => j.id === late));
    } finally {
      w.kill('SIGKILL');
      await adapter.close();
      conn.disconnect();
      await redis.stop();
    }
  });
});

describe('Celery adapter: running and ETA tasks, held against celery inspect', function () {
  this.timeout(90_000);
  it('a running task counts as active and is listed, as `celery inspect active` says; an ETA task a worker holds is delayed, counted and listed', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const adapter = new CeleryAdapter('default', conn, { queues: ['insq'] });
    const { w, ready } = startCelery(redis, 'insq', 15_000);
    try {
      await readyOrKill(w, ready);
      const [running] = (await py(redis, 'producer.py', ['insq', '1'])).trim().split('\n');
      const [eta] = (await py(redis, 'producer.py', ['insq', '1', '120'])).trim().split('\n');
      const q = queueRef('celery', 'default', 'insq');
      // The registry once (as the signals read it every 10 s): the worker's queues, and its heartbeats from then on.
      await adapter.workers();
      const counts = await waitFor(async () => {
        const [c] = await adapter.counts([q]);
        return c.counts.running === 1 && c.counts.delayed === 1 ? c : undefined;
      }, 'the running task in a heartbeat, the ETA task prefetched', 30_000, 250);
      assert.equal(counts.counts.active, 1, 'running, none reserved');
      const active = await adapter.search(q, 'active', { text: '', limit: 10 }, Date.now());
      assert.deepEqual(active.jobs.map((j) => j.id), [running]);
      assert.equal(active.jobs[0].name, 'tasks.test_job');
      const inspect = await new Promise<string>((resolve, reject) => execFile('/usr/bin/python3', ['-m', 'celery', '-A', 'tasks', 'inspect', 'active', '--json', '-t', '2'], { cwd: CELERY, env: { ...process.env, REDIS_URL: redis.url } }, (err, out) => (err ? reject(err) : resolve(out))));
      const theirs = Object.values(JSON.parse(inspect.trim().split('\n').pop() ?? '{}') as Record<string, { id: string }[]>).flat().map((t) => t.id);
      assert.deepEqual(theirs, [running], 'what celery inspect says');
      const delayed = await adapter.search(q, 'delayed', { text: '', limit: 10 }, Date.now());
      assert.deepEqual(delayed.jobs.map((j) => j.id), [eta], 'the ETA task the worker holds');
      assert.ok((delayed.jobs[0].runAt ?? 0) > Date.now() + 100_000, 'with when it runs');
    } finally {
      w.kill('SIGKILL');
      await adapter.close();
      conn.disconnect();
      await redis.stop();
    }
  });
});

describe('Celery adapter: a worker that died or stalls never holds the counts back', function () {
  this.timeout(60_000);
  it('a ping ends when every live worker has answered, though a killed worker left its binding; the signals tick does not wait on a stalled one', async () => {
    const redis = await TestRedis.start();
    const conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const client = redis.client();
    const queue = `stale-${randomUUID().slice(0, 6)}`;
    const dead = startCelery(redis, queue, 10);
    const live = startCelery(redis, queue, 10);
    const adapter = new CeleryAdapter('default', conn);
    const service = new QueueService([{ config: { name: 'default', url: redis.url, readOnly: false, systems: { celery: { prefix: '', queues: [queue] } } }, redis: conn, adapters: [adapter] }], { record: () => undefined }, 'test');
    try {
      await Promise.all([readyOrKill(dead.w, dead.ready), readyOrKill(live.w, live.ready)]);
      // SIGKILL: no warm shutdown, so kombu never takes the worker's pidbox binding away.
      const pids = (await new Promise<string>((r) => execFile('pgrep', ['-f', dead.name], (_e, out) => r(out)))).trim().split('\n').filter(Boolean).map(Number);
      dead.w.kill('SIGKILL');
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      await waitFor(async () => !(await new Promise<string>((r) => execFile('pgrep', ['-f', dead.name], (_e, out) => r(out)))).trim(), 'the killed worker gone');
      const bindings = await client.smembers('_kombu.binding.celery.pidbox');
      assert.ok(bindings.some((b) => b.includes(dead.name)), 'the dead worker\'s binding is still there');
      assert.ok(bindings.some((b) => b.includes(live.name)), 'and the live one\'s');
      // A wait of two minutes, past the test's own timeout: the answer comes back as soon as the
      // one live worker has answered (the bindings count two).
      const control = (adapter as unknown as { control: CeleryControl }).control;
      const pongs = await control.broadcast('ping', {}, { replyMs: 120_000 });
      assert.deepEqual(pongs.map((p) => Object.keys(p)[0]), [live.name]);
      const w = await adapter.workers();
      assert.ok('workers' in w && w.workers.some((x) => x.id === live.name), JSON.stringify(w));

      // A live worker that does not answer (stopped): the first reading waits for it (a bounded
      // ping), later ones go on with the last reading while the next is under way.
      const observer = new QueueObserver(service, () => new Map());
      const now = Date.now();
      const first = await observer.observe(now);
      assert.equal(first.queues[0]?.consumers, 1);
      const stopped = (await new Promise<string>((r) => execFile('pgrep', ['-f', live.name], (_e, out) => r(out)))).trim().split('\n').filter(Boolean).map(Number);
      for (const pid of stopped) process.kill(pid, 'SIGSTOP');
      try {
        const later = await observer.observe(now + 11_000);
        const refreshing = (observer as unknown as { refreshing: Map<unknown, Promise<unknown>> }).refreshing;
        assert.equal(refreshing.size, 1, 'the registry is read again in the background, not waited for');
        assert.equal(later.queues[0]?.consumers, 1, 'the last reading stands meanwhile');
        await Promise.all(refreshing.values());
      } finally {
        for (const pid of stopped) process.kill(pid, 'SIGCONT');
      }
    } finally {
      dead.w.kill('SIGKILL');
      live.w.kill('SIGTERM');
      await adapter.close();
      conn.disconnect();
      client.disconnect();
      await redis.stop();
    }
  });
});
