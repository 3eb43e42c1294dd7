// The Laravel adapter with Horizon's keys present: supervisors as live workers, failed jobs per queue
// and their retry the way Horizon does it, picked up by a real Illuminate worker. Horizon's own
// records are written as its repositories write them (test/helpers/horizon-recorder.ts).
import { readOnlyGate } from '../../src/queues/read-only-gate';
import { strict as assert } from 'node:assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import Redis from 'ioredis';
import { queueRef } from '../../src/queues/contract';
import { LaravelAdapter } from '../../src/queues/laravel/laravel-adapter';
import { HorizonRecorder } from '../helpers/horizon-recorder';
import { FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';

const LARAVEL = path.join(FIXTURES, 'laravel');

describe('Laravel adapter with Horizon', function () {
  this.timeout(30_000);
  let redis: TestRedis;
  let conn: Redis;
  let horizon: HorizonRecorder;
  let adapter: LaravelAdapter;
  const workers: ChildProcess[] = [];
  const php = (script: string, args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile('php', [path.join(LARAVEL, script), ...args], { env: { ...process.env, REDIS_PORT: String(redis.port) } }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
  /** A real job payload, as Laravel pushed it: produced, then taken off the list before any worker sees it. */
  const realPayload = async (queue: string, fail = false): Promise<string> => {
    await php('producer.php', [queue, '1', '0', fail ? '1' : '0']);
    const raw = await conn.lpop(`laravel_database_queues:${queue}`);
    await conn.del(`laravel_database_queues:${queue}:notify`);
    return raw ?? assert.fail('a payload');
  };

  before(async () => {
    redis = await TestRedis.start();
    conn = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    horizon = new HorizonRecorder(conn);
    adapter = new LaravelAdapter('default', conn);
  });
  after(async () => {
    workers.forEach((w) => w.kill('SIGKILL'));
    await adapter?.close();
    conn?.disconnect();
    await redis?.stop();
  });

  it('without Horizon keys: no worker registry and no retry, each with its reason', async () => {
    await adapter.discover(true);
    assert.equal(adapter.capabilities.has('retry-failed'), false);
    const w = await adapter.workers();
    assert.ok('unavailable' in w && /Horizon does; none found/.test(w.unavailable));
    const r = await adapter.retry(queueRef('laravel', 'default', 'emails'), 'x');
    assert.equal(r.status, 'refused');
  });

  it('lists live Horizon supervisors as workers of their queues; stale ones are gone', async () => {
    const now = Date.now();
    await horizon.master('web-1-abcd', 4100, ['web-1-abcd:supervisor-1', 'web-1-abcd:supervisor-2']);
    await horizon.supervisor('web-1-abcd:supervisor-1', 4101, { 'redis:emails': 3, 'redis:default': 1 });
    await horizon.supervisor('web-1-abcd:supervisor-2', 4102, { 'redis:reports': 2 });
    await horizon.supervisor('old-host-zzzz:supervisor-1', 999, { 'redis:emails': 5 }, now - 60_000); // heartbeat a minute old
    const fresh = new LaravelAdapter('default', conn);
    await fresh.discover(true);
    assert.equal(fresh.capabilities.has('workers'), true);
    const all = await fresh.workers();
    assert.ok('workers' in all);
    assert.deepEqual(all.workers.map((w) => w.id).sort(), ['web-1-abcd', 'web-1-abcd:supervisor-1', 'web-1-abcd:supervisor-2']);
    const emails = await fresh.workers(queueRef('laravel', 'default', 'emails'));
    assert.ok('workers' in emails);
    assert.equal(emails.workers.length, 1);
    assert.equal(emails.workers[0].processes, 3);
    assert.equal(emails.workers[0].pid, 4101);
    assert.deepEqual(emails.workers[0].queues, ['laravel:emails']);
  });

  it('counts failed jobs per queue and reads throughput and runtime from Horizon metrics', async () => {
    await horizon.failed('emails', await realPayload('emails'), 'RuntimeException: SMTP down');
    await horizon.failed('emails', await realPayload('emails'), 'RuntimeException: SMTP down');
    await horizon.failed('reports', await realPayload('reports'), 'RuntimeException: disk full');
    await horizon.queueMetrics('emails', 120, 850.5);
    await conn.rpush('laravel_database_queues:emails', await realPayload('emails'));
    const fresh = new LaravelAdapter('default', conn);
    const refs = await fresh.discover(true);
    const byName = new Map((await fresh.counts(refs, Date.now())).map((c) => [c.queue.name, c]));
    assert.equal(byName.get('emails')?.counts.failed, 2);
    assert.equal(byName.get('emails')?.counts.throughput, 120);
    assert.equal(byName.get('emails')?.runtimeMs, 850.5);
    assert.equal(byName.get('emails')?.counts.pending, 1);
    const failed = await fresh.list(queueRef('laravel', 'default', 'reports'), 'failed', 10, Date.now());
    assert.equal(failed.length, 1);
    assert.equal(failed[0].name, 'TestJob');
    assert.equal(failed[0].failedReason, 'RuntimeException: disk full');
    await fresh.close();
  });

  it('retries a failed job the Horizon way; a real Illuminate worker runs it; a racing second retry is refused', async () => {
    const payload = await realPayload('retry-me');
    const failedId = await horizon.failed('retry-me', payload, 'RuntimeException: flaky');
    const fresh = new LaravelAdapter('default', conn);
    await fresh.discover(true);
    assert.equal(fresh.capabilities.has('retry-failed'), true);
    const ref = queueRef('laravel', 'default', 'retry-me');
    const [a, b] = await Promise.all([fresh.retry(ref, failedId), fresh.retry(ref, failedId)]);
    assert.deepEqual([a.status, b.status].sort(), ['done', 'taken'], `${a.message} / ${b.message}`);
    const retried = JSON.parse((await conn.hget(`laravel_horizon:${failedId}`, 'retried_by')) ?? '[]') as { id: string; status: string }[];
    assert.equal(retried.length, 1);
    const newId = retried[0].id;
    const pushed = JSON.parse((await conn.lindex('laravel_database_queues:retry-me', 0)) ?? '{}') as Record<string, unknown>;
    assert.equal(pushed.id, newId);
    assert.equal(pushed.retry_of, failedId);
    assert.equal(pushed.attempts, 0);
    assert.equal(await conn.hget(`laravel_horizon:${newId}`, 'status'), 'pending');
    assert.notEqual(await conn.zscore('laravel_horizon:pending_jobs', newId), null);
    const w = spawn('php', [path.join(LARAVEL, 'worker.php')], { env: { ...process.env, REDIS_PORT: String(redis.port), QUEUE: 'retry-me' }, stdio: ['ignore', 'ignore', 'inherit'] });
    workers.push(w);
    await waitFor(async () => ((await conn.lrange('laravel_database_test:retry-me:processed', 0, -1)).includes(newId) ? true : undefined), 'the worker ran the retried job');
    assert.equal(await conn.llen('laravel_database_queues:retry-me'), 0);
    await fresh.close();
  });

  it('a failed Horizon job: opened whole (Horizon\'s exception split), found by its id, grouped, then deleted as horizon:forget does', async () => {
    const payload = await realPayload('forget-me');
    const failedId = await horizon.failed('forget-me', payload, 'RuntimeException: SMTP 550 for order 4711 in /var/www/app/Jobs/SendMail.php:31\nStack trace:\n#0 /var/www/vendor/laravel/Queue.php(12): App\\Jobs\\SendMail->handle()');
    const fresh = new LaravelAdapter('default', conn);
    await fresh.discover(true);
    const ref = queueRef('laravel', 'default', 'forget-me');
    const d = await fresh.get(ref, failedId);
    assert.equal(d?.state, 'failed');
    assert.deepEqual([d?.error?.class, d?.error?.message], ['RuntimeException', 'SMTP 550 for order 4711']);
    assert.deepEqual(await fresh.locate(failedId), [ref]);
    const page = await fresh.search(ref, 'failed', { text: 'smtp 550', limit: 5 }, Date.now());
    assert.deepEqual(page.jobs.map((j) => j.id), [failedId]);
    assert.equal(page.jobs[0].failedReason, 'RuntimeException: SMTP 550 for order 4711');
    const del = await fresh.deleteFailed(ref, failedId);
    assert.equal(del.ok, true, del.message);
    assert.equal(await conn.zscore('laravel_horizon:failed_jobs', failedId), null);
    assert.equal(await conn.exists(`laravel_horizon:${failedId}`), 0);
    assert.equal((await fresh.deleteFailed(ref, failedId)).status, 'not-found');
    await fresh.close();
  });

  it('a read-only connection refuses the retry', async () => {
    const ro = readOnlyGate(new LaravelAdapter('prod', conn));
    await ro.discover(true);
    assert.equal(ro.capabilities.has('retry-failed'), false);
    assert.equal((await ro.retry(queueRef('laravel', 'prod', 'emails'), { allFailed: true })).status, 'refused');
  });
});
