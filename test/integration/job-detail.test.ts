// `chaperone job`: one job, whole, from the system's own records, against real workers that fail
// the jobs: BullMQ (a 5 KB payload, returned byte-identical, with bullmq's stack trace and logs)
// and RQ (the traceback Python wrote). A job that is gone exits 1, saying so.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import type { JobDetail } from '../../src/queues/contract';
import { tempDir } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { runCli } from '../helpers/run-cli';
import { runScript } from '../helpers/run-script';
import { waitFor } from '../helpers/wait';

describe('chaperone job: one job, whole, from real workers', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let dir: string;
  const workers: ChildProcess[] = [];
  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { CHAPERONE_REDIS_URL: '' } });

  before(async () => {
    redis = await TestRedis.start();
    dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({ redis: { url: redis.url }, queues: { bullmq: {}, rq: {}, sidekiq: {} } }));
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await redis.stop();
  });

  it('BullMQ: a failed job with a 5 KB payload: the payload byte-identical, the whole trace, attempts, logs', async () => {
    const q = new Queue('detail', { connection: { port: redis.port } });
    try {
      const data = { fail: true, to: 'ann@example.com', body: 'x'.repeat(5000), nested: { n: 1, list: [1, 2, 3] } };
      const job = await q.add('send', data, { attempts: 2, backoff: { type: 'fixed', delay: 10 }, priority: 3 });
      await job.log('rendering the template');
      const w = spawn(process.execPath, [path.join(FIXTURES, 'workers', 'bullmq-worker.js')], { env: { ...process.env, REDIS_URL: redis.url, QUEUE: 'detail', JOB_MS: '5' }, stdio: 'ignore' });
      workers.push(w);
      await waitFor(async () => ((await q.getJobState(job.id ?? '')) === 'failed' ? true : undefined), 'the job failed twice', 30_000);
      const admin = redis.client();
      const stored = await admin.hget(`bull:detail:${job.id}`, 'data');
      admin.disconnect();
      const r = await cli(['job', 'bullmq:detail', job.id ?? '', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const d = JSON.parse(r.stdout) as JobDetail;
      assert.equal(d.state, 'failed');
      assert.equal(d.name, 'send');
      assert.equal(d.payload.text, stored, 'the payload exactly as stored');
      assert.deepEqual(d.payload.json, data);
      assert.deepEqual({ attempts: d.options.attempts, priority: d.options.priority }, { attempts: 2, priority: 3 });
      assert.deepEqual(d.attempts, { made: 2, allowed: 2 });
      assert.equal(d.error?.class, 'Error');
      assert.equal(d.error?.message, 'simulated failure');
      assert.match(d.error?.stack ?? '', /^Error: simulated failure\n\s+at /, 'the whole stack');
      assert.match(d.error?.stack ?? '', /bullmq-worker\.js:\d+:\d+/, 'down to the handler\'s file and line');
      assert.deepEqual(d.logs, ['rendering the template']);
      assert.ok(d.timestamps.enqueued && d.timestamps.started && d.timestamps.failed && d.timestamps.failed >= d.timestamps.started);
      assert.equal(d.timestamps.finished, null);
      // The readable page says the same.
      const page = await cli(['job', 'bullmq:detail', job.id ?? '']);
      assert.equal(page.code, 0, page.stderr);
      assert.match(page.stdout, /state\s+failed/);
      assert.match(page.stdout, /attempts\s+2 of 2/);
      assert.match(page.stdout, /error:\n {2}Error: simulated failure/);
      assert.match(page.stdout, /payload \(\d+ characters\):\n {2}\{\n {4}"fail": true/);
    } finally {
      await q.close();
    }
  });

  it('a job that is gone: exit 1, "not found (finished or removed?)"', async () => {
    const q = new Queue('gone', { connection: { port: redis.port } }); // no worker on this one
    try {
      const job = await q.add('send', { to: 'x' });
      await job.remove();
      const r = await cli(['job', 'bullmq:gone', job.id ?? '']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /job \d+ of bullmq:gone: not found \(finished or removed\?\)/);
    } finally {
      await q.close();
    }
  });

  it('Sidekiq: a job a real Sidekiq process failed: in the retry set, with its class, message and backtrace', async () => {
    const sk = path.join(FIXTURES, 'sidekiq');
    const [jid] = (await runScript('ruby', path.join(sk, 'producer.rb'), ['skdetail', '1', '0', '1'], { REDIS_URL: redis.url })).trim().split('\n');
    const w = spawn(path.join(sk, 'worker.sh'), [], { env: { ...process.env, REDIS_URL: redis.url, QUEUE: 'skdetail', JOB_MS: '5' }, stdio: 'ignore' });
    workers.push(w);
    const c = redis.client();
    await waitFor(async () => ((await c.zcard('retry')) === 1 ? true : undefined), 'the job in the retry set', 30_000);
    const [member] = await c.zrange('retry', '0', '0');
    const r = await cli(['job', 'sidekiq:skdetail', jid, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as JobDetail;
    assert.equal(d.state, 'retry');
    assert.equal(d.name, 'TestJob');
    assert.equal(d.payload.text, member, 'the job exactly as Sidekiq stored it');
    assert.deepEqual(d.attempts, { made: 1, allowed: 6 });
    assert.equal(d.error?.class, 'RuntimeError');
    assert.equal(d.error?.message, 'simulated failure');
    assert.match(d.error?.stack ?? '', /^RuntimeError: simulated failure\n\t.*boot\.rb:\d+:in `perform'/, 'the backtrace Sidekiq kept, down to the job\'s line');
    assert.ok(d.timestamps.failed && d.timestamps.runAt && d.timestamps.runAt > Date.now() + 3000_000, 'retried in an hour (sidekiq_retry_in)');
    c.disconnect();
  });

  it('RQ: a job a real Python worker failed: state, the call, and the traceback with its class', async () => {
    const rq = path.join(FIXTURES, 'rq');
    const [id] = (await runScript('/usr/bin/python3', path.join(rq, 'producer.py'), ['rqdetail', '1', '0', '1'], { REDIS_URL: redis.url })).trim().split('\n');
    const w = spawn(path.join(rq, 'worker.sh'), [], { env: { ...process.env, REDIS_URL: redis.url, QUEUE: 'rqdetail', JOB_MS: '5' }, stdio: 'ignore' });
    workers.push(w);
    const c = redis.client();
    await waitFor(async () => ((await c.hget(`rq:job:${id}`, 'status')) === 'failed' ? true : undefined), 'the RQ job failed', 30_000);
    const r = await cli(['job', 'rq:rqdetail', id, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as JobDetail;
    assert.equal(d.state, 'failed');
    assert.equal(d.name, 'tasks.test_job');
    assert.deepEqual(d.payload.json, { func: 'tasks.test_job', args: ['rqdetail', true], kwargs: {} }, 'the call, decoded from its pickled data');
    assert.deepEqual(d.texts, [{ title: "RQ's description (long arguments cut)", text: await c.hget(`rq:job:${id}`, 'description') }], "and RQ's own text of it");
    assert.equal(d.error?.class, 'RuntimeError');
    assert.equal(d.error?.message, 'simulated failure');
    assert.match(d.error?.stack ?? '', /^Traceback \(most recent call last\):/);
    assert.match(d.error?.stack ?? '', /tasks\.py", line \d+, in test_job/);
    assert.deepEqual(d.attempts, { made: 1, allowed: 1 });
    assert.ok(d.timestamps.enqueued && d.timestamps.started && d.timestamps.failed);
    assert.ok(d.worker, 'the worker that ran it');
    c.disconnect();
  });
});
