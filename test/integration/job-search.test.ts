// `chaperone jobs --grep/--cursor` and `chaperone job [QUEUE] ID`, against jobs that each system's
// own client wrote: one job among 10 000 found by a payload substring (BullMQ, Sidekiq, Laravel,
// RQ, Celery), a cursor that pages through every job once, a job whose data is not JSON listed
// raw, a job found by its id alone, and Laravel and Celery jobs opened whole.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import type { JobDetail, JobSummary } from '../../src/queues/contract';
import { tempDir } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { runCli } from '../helpers/run-cli';
import { runScript } from '../helpers/run-script';
import { startRq } from '../helpers/system-workers';
import { waitFor } from '../helpers/wait';

interface Page { jobs: JobSummary[]; cursor: string | null; scanned: number; total: number }

describe('finding jobs: search in slices, cursors, a job by id', function () {
  this.timeout(180_000);
  let redis: TestRedis;
  let dir: string;
  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { CHAPERONE_REDIS_URL: '' } });
  const page = async (args: string[]): Promise<Page> => {
    const r = await cli([...args, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Page;
  };
  const note = 'Needle-7351-payload';

  before(async () => {
    redis = await TestRedis.start();
    dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({ redis: { url: redis.url }, queues: { bullmq: {}, sidekiq: {}, laravel: {}, rq: {}, celery: { queues: ['cfind'] } } }));
  });
  after(async () => {
    await redis.stop();
  });

  it('BullMQ: one job among 10 000 by a payload substring, any case; a cursor pages through all, once each', async () => {
    const q = new Queue('find', { connection: { port: redis.port } });
    try {
      const jobs = await q.addBulk(Array.from({ length: 10_000 }, (_, i) => ({ name: 'send', data: { i, to: `user${i}@example.com`, ...(i === 6021 ? { note } : {}) } })));
      const hit = await page(['jobs', 'bullmq:find', '--grep', note.toUpperCase(), '--limit', '5']);
      assert.deepEqual(hit.jobs.map((j) => j.id), [jobs[6021].id]);
      assert.equal(hit.cursor, null, 'read to the end');
      assert.equal(hit.scanned, 10_000);
      // By name and by id too.
      assert.equal((await page(['jobs', 'bullmq:find', '--grep', 'SEND', '--limit', '3'])).jobs.length, 3);
      const own = await q.add('send', { to: 'z' }, { jobId: 'inv-2026-0042' });
      assert.deepEqual((await page(['jobs', 'bullmq:find', '--grep', 'INV-2026-0042'])).jobs.map((j) => j.id), [own.id]);
      await own.remove();
      // Every job once, over pages of 1500.
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const p: Page = await page(['jobs', 'bullmq:find', '--limit', '1500', ...(cursor ? ['--cursor', cursor] : [])]);
        seen.push(...p.jobs.map((j) => j.id));
        cursor = p.cursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 7);
      assert.equal(seen.length, 10_000);
      assert.equal(new Set(seen).size, 10_000, 'no job twice');
      // The readable page says where the next one starts.
      const r = await cli(['jobs', 'bullmq:find', '--limit', '2']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /2 shown, 2 of 10000 read; more: --cursor 0\.2/);
      const bad = await cli(['jobs', 'bullmq:find', '--cursor', 'x']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--cursor: cursor "x" is not one this search gave/);
    } finally {
      await q.close();
    }
  });

  it('BullMQ: a job whose data is not JSON is listed raw, and the listing does not fail', async () => {
    const q = new Queue('raw', { connection: { port: redis.port } });
    try {
      await q.add('ok', { a: 1 });
      const bad = await q.add('bad', { b: 2 });
      const admin = redis.client();
      await admin.hset(`bull:raw:${bad.id}`, 'data', 'not json {');
      admin.disconnect();
      const p = await page(['jobs', 'bullmq:raw']);
      assert.equal(p.jobs.length, 2);
      assert.equal(p.jobs.find((j) => j.id === bad.id)?.preview, 'not json {');
      const d = await cli(['job', 'bullmq:raw', String(bad.id), '--json']);
      assert.equal(d.code, 0, d.stderr);
      assert.deepEqual((JSON.parse(d.stdout) as JobDetail).payload, { text: 'not json {', json: null });
    } finally {
      await q.close();
    }
  });

  it('Sidekiq, Laravel, RQ and Celery: one job among 10 000 by a payload substring', async () => {
    const env = { REDIS_URL: redis.url, REDIS_PORT: String(redis.port), NOTE: note, NOTE_AT: '7000' };
    const [sk, lv, rq, ce] = await Promise.all([
      runScript('ruby', path.join(FIXTURES, 'sidekiq', 'producer.rb'), ['sfind', '10000'], env),
      runScript('php', path.join(FIXTURES, 'laravel', 'producer.php'), ['lfind', '10000'], env),
      runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rfind', '10000'], env),
      runScript('/usr/bin/python3', path.join(FIXTURES, 'celery', 'producer.py'), ['cfind', '10000'], env),
    ]);
    const idOf = (out: string) => out.trim().split('\n')[7000];
    for (const [queue, ids] of [['sidekiq:sfind', sk], ['laravel:lfind', lv], ['rq:rfind', rq], ['celery:cfind', ce]] as const) {
      const p = await page(['jobs', queue, '--grep', note.toLowerCase(), '--limit', '5']);
      assert.deepEqual(p.jobs.map((j) => j.id), [idOf(ids)], queue);
      assert.equal(p.scanned, 10_000, `${queue}: every job read`);
    }
    // Laravel: the job opened whole, its payload as Laravel wrote it.
    const admin = redis.client();
    const raw = (await admin.lrange('laravel_database_queues:lfind', 7000, 7000))[0];
    admin.disconnect();
    const d = await cli(['job', 'laravel:lfind', idOf(lv), '--json']);
    assert.equal(d.code, 0, d.stderr);
    const job = JSON.parse(d.stdout) as JobDetail;
    assert.equal(job.state, 'pending');
    assert.equal(job.payload.text, raw, 'byte-identical');
    assert.equal(job.name, 'TestJob', 'Laravel\'s displayName');
    // Celery: the task opened whole, its arguments decoded from the message body.
    const c = await cli(['job', 'celery:cfind', idOf(ce), '--json']);
    assert.equal(c.code, 0, c.stderr);
    const task = JSON.parse(c.stdout) as JobDetail;
    assert.equal(task.name, 'tasks.test_job');
    assert.equal(task.state, 'pending');
    const [args, kwargs] = task.payload.json as [unknown, unknown];
    assert.deepEqual([args, kwargs], [['cfind', false], { note }]);
  });

  it('RQ: a job found by text past the 75 characters its description keeps (its call is decoded here), pending and delayed', async () => {
    const deep = `${'filler '.repeat(20)}Needle-Deep-0042`;
    const env = { REDIS_URL: redis.url, NOTE: deep, NOTE_AT: '300' };
    const pending = (await runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rdeep', '600'], env)).trim().split('\n');
    const delayed = (await runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rdeep', '50', '3600'], { ...env, NOTE_AT: '20' })).trim().split('\n');
    const admin = redis.client();
    const description = await admin.hget(`rq:job:${pending[300]}`, 'description');
    admin.disconnect();
    assert.ok(description && !description.toLowerCase().includes('needle-deep-0042'), `RQ cut it from the description: ${description ?? ''}`);
    const p = await page(['jobs', 'rq:rdeep', '--grep', 'NEEDLE-DEEP-0042']);
    assert.deepEqual(p.jobs.map((j) => j.id), [pending[300]]);
    assert.equal(p.scanned, 600);
    assert.equal(p.cursor, null);
    const d = await page(['jobs', 'rq:rdeep', '--state', 'delayed', '--grep', 'needle-deep-0042']);
    assert.deepEqual(d.jobs.map((j) => j.id), [delayed[20]]);
    assert.ok(Math.abs((d.jobs[0].runAt ?? 0) - (Date.now() + 3_600_000)) < 120_000, 'it says when it runs');
    // By the call's own name, on the next page of a search that stops at its limit.
    const first = await page(['jobs', 'rq:rdeep', '--grep', 'tasks.test_job', '--limit', '250']);
    assert.equal(first.jobs.length, 250);
    const rest = await page(['jobs', 'rq:rdeep', '--grep', 'tasks.test_job', '--limit', '1000', '--cursor', first.cursor ?? '']);
    assert.deepEqual([...first.jobs, ...rest.jobs].map((j) => j.id), pending, 'every job once, in the order workers take them');
  });

  it('RQ: failed jobs found by their error (compressed, so matched here in slices), a cursor through all of them once', async () => {
    const env = { REDIS_URL: redis.url, NOTE: 'SMTP 550 mailbox-4711 unavailable', NOTE_AT: '27' };
    const ids = (await runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rfail', '40', '0', '1'], env)).trim().split('\n');
    const { w, ready } = startRq(redis, 'rfail', 1);
    try {
      await ready();
      await waitFor(async () => ((await page(['jobs', 'rq:rfail', '--state', 'failed', '--limit', '100'])).jobs.length === 40 ? true : undefined), 'all 40 failed', 60_000, 250);
    } finally {
      w.kill('SIGKILL');
    }
    // The traceback's own words ("in test_job"): in no description (that says "tasks.test_job(").
    const seen: string[] = [];
    let cursor: string | null = '';
    do {
      const p: Page = await page(['jobs', 'rq:rfail', '--state', 'failed', '--grep', 'IN TEST_JOB', '--limit', '15', ...(cursor ? ['--cursor', cursor] : [])]);
      assert.ok(p.jobs.length <= 15);
      seen.push(...p.jobs.map((j) => j.id));
      cursor = p.cursor;
    } while (cursor);
    assert.deepEqual([...seen].sort(), [...ids].sort(), 'every failed job once');
    const one = await page(['jobs', 'rq:rfail', '--state', 'failed', '--grep', 'RuntimeError: SMTP 550 mailbox-4711']);
    assert.deepEqual(one.jobs.map((j) => j.id), [ids[27]]);
    assert.equal(one.jobs[0].failedReason, 'RuntimeError: SMTP 550 mailbox-4711 unavailable');
    assert.equal(one.scanned, 40);
  });

  it('a delayed job says when it runs, on all five systems (from its score, its delay or its ETA)', async () => {
    const env = { REDIS_URL: redis.url, REDIS_PORT: String(redis.port) };
    const q = new Queue('later', { connection: { port: redis.port } });
    const t0 = Date.now();
    try {
      await q.add('send', { a: 1 }, { delay: 120_000 });
      await Promise.all([
        runScript('ruby', path.join(FIXTURES, 'sidekiq', 'producer.rb'), ['slater', '1', '120'], env),
        runScript('php', path.join(FIXTURES, 'laravel', 'producer.php'), ['llater', '1', '120'], env),
        runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rlater', '1', '120'], env),
        runScript('/usr/bin/python3', path.join(FIXTURES, 'celery', 'producer.py'), ['clater', '1', '120'], env),
      ]);
      for (const queue of ['bullmq:later', 'sidekiq:slater', 'laravel:llater', 'rq:rlater', 'celery:clater']) {
        const p = await page(['jobs', queue, '--state', 'delayed']);
        assert.equal(p.jobs.length, 1, queue);
        const runAt = p.jobs[0].runAt ?? 0;
        // Two minutes from when it was sent (whole seconds for the systems that store seconds).
        assert.ok(runAt >= t0 + 118_000 && runAt <= Date.now() + 121_000, `${queue}: runs at ${new Date(runAt).toISOString()}`);
      }
    } finally {
      await q.close();
    }
  });

  it('a job by its id alone: BullMQ and RQ find their queue; a job that is nowhere exits 1', async () => {
    const q = new Queue('byid', { connection: { port: redis.port } });
    try {
      // Job ids are per BullMQ queue: one id in two queues is named, not guessed.
      const other = new Queue('byid2', { connection: { port: redis.port } });
      await Promise.all([q.add('a', {}, { jobId: 'same-1' }), other.add('b', {}, { jobId: 'same-1' })]);
      await other.close();
      const twice = await cli(['job', 'same-1']);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /job same-1 is in several queues: (bullmq:byid2? on default, ){1}bullmq:byid2? on default; name one/);
      const [rqId] = (await runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rbyid', '1'], { REDIS_URL: redis.url })).trim().split('\n');
      const rr = await cli(['job', rqId, '--json']);
      assert.equal(rr.code, 0, rr.stderr);
      assert.equal((JSON.parse(rr.stdout) as JobDetail).queue.id, 'rq:rbyid');
      const custom = await q.add('send', { to: 'y' }, { jobId: 'order-4711' });
      const rb = await cli(['job', String(custom.id)]);
      assert.equal(rb.code, 0, rb.stderr);
      assert.match(rb.stdout, /job\s+order-4711 · bullmq:byid on default/);
      const none = await cli(['job', 'no-such-job-anywhere']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /job no-such-job-anywhere: not found \(finished or removed\?\) \((?=[^)]*sidekiq)(?=[^)]*laravel)[^)]* key nothing by id: give SYSTEM:QUEUE for those\)/);
    } finally {
      await q.close();
    }
  });
});
