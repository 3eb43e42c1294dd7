// The queue commands of the CLI against real BullMQ queues, with a read-only connection profile.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { tempDir } from '../helpers/engine-harness';
import { runCli } from '../helpers/run-cli';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';

// CHAPERONE_REDIS_URL emptied: these tests take their connections from chaperone.json only.
const cli = (args: string[], cwd: string) => runCli(args, { cwd, env: { CHAPERONE_REDIS_URL: '' } });

describe('queue commands of the CLI (BullMQ)', function () {
  this.timeout(30_000);
  let redis: TestRedis;
  let dir: string;
  let q: Queue;
  before(async () => {
    redis = await TestRedis.start();
    dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({
      redis: { url: redis.url },
      queues: { bullmq: { prefix: 'bull' } },
      connections: { replica: { url: redis.url, readOnly: true } },
    }));
    q = new Queue('mail', { connection: { port: redis.port } });
    await q.addBulk([{ name: 'send', data: { to: 'a@example.com' } }, { name: 'send', data: { to: 'b@example.com' } }]);
    await q.add('later', { n: 1 }, { delay: 60_000 });
  });
  after(async () => {
    await q.close();
    await redis.stop();
  });

  it('queues --json lists each queue on every connection with the documented shape', async () => {
    const r = await cli(['queues', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { queues: { id: string; system: string; connection: string; name: string; counts: Record<string, number>; workers: number; oldestPendingAgeMs: number | null }[] };
    assert.deepEqual(j.queues.map((x) => `${x.connection}/${x.id}`).sort(), ['default/bullmq:mail', 'replica/bullmq:mail']);
    const mail = j.queues.find((x) => x.connection === 'default');
    assert.ok(mail);
    assert.deepEqual([mail.system, mail.name, mail.counts.pending, mail.counts.delayed, mail.counts.active, mail.counts.failed, mail.workers], ['bullmq', 'mail', 2, 1, 0, 0, 0]);
    assert.ok(mail.oldestPendingAgeMs !== null && mail.oldestPendingAgeMs >= 0);
    const human = await cli(['queues'], dir);
    assert.match(human.stdout, /default\s+bullmq:mail\s+2\s+1\s+0\s+0\s+0\s+\S+\s+NO CONSUMERS/);
  });

  it('the same queue on two connections needs --connection; a read-only one refuses writes', async () => {
    const ambiguous = await cli(['pause', 'bullmq:mail'], dir);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /exists on several connections \(default, replica\): choose one with --connection/);
    const ro = await cli(['pause', 'bullmq:mail', '--connection', 'replica'], dir);
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /connection "replica" is read-only/);
    assert.equal(await q.isPaused(), false);
    const ok = await cli(['pause', 'bullmq:mail', '--connection', 'default'], dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(await q.isPaused(), true);
    assert.equal((await cli(['resume', 'bullmq:mail', '--connection', 'default'], dir)).code, 0);
    assert.equal(await q.isPaused(), false);
  });

  it('jobs lists, cancel removes, and a missing job is exit 1', async () => {
    const jobs = await cli(['jobs', 'bullmq:mail', '--connection', 'default', '--json'], dir);
    assert.equal(jobs.code, 0, jobs.stderr);
    const list = (JSON.parse(jobs.stdout) as { jobs: { id: string; preview: string }[] }).jobs;
    assert.equal(list.length, 2);
    assert.ok(list.some((j) => j.preview.includes('a@example.com')));
    const del = await cli(['cancel', 'bullmq:mail', list[0].id, '--connection', 'default'], dir);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(await q.getJob(list[0].id), undefined);
    const missing = await cli(['cancel', 'bullmq:mail', 'nope', '--connection', 'default'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not-found: no job nope/);
    const audit = await redis.client().xrange('chaperone:audit', '-', '+');
    assert.ok(audit.length >= 4, 'pause, resume, cancel, cancel (refused writes too)');
  });

  it('replay adds a copy of a failed job as a new job (audited), the failed one kept; a read-only connection refuses it', async () => {
    const fq = new Queue('replays', { connection: { port: redis.port } });
    const worker = new Worker('replays', () => Promise.reject(new Error('SMTP 550 mailbox unavailable')), { connection: { port: redis.port } });
    try {
      const job = await fq.add('send', { to: 'c@example.com' }, { attempts: 1, priority: 3 });
      const id = String(job.id);
      await waitFor(async () => ((await fq.getJobState(id)) === 'failed' ? true : undefined), 'bullmq failed it');
      await worker.close();
      const ro = await cli(['replay', 'bullmq:replays', id, '--connection', 'replica'], dir);
      assert.equal(ro.code, 1);
      assert.match(ro.stderr, /connection "replica" is read-only/);
      const r = await cli(['replay', 'bullmq:replays', id, '--connection', 'default'], dir);
      assert.equal(r.code, 0, r.stderr);
      const copy = /replayed failed job \S+ of bullmq:replays as job (\S+) \(the failed one stays\)/.exec(r.stdout)?.[1] ?? '';
      assert.ok(copy && copy !== id, r.stdout);
      const replayed = await fq.getJob(copy);
      assert.deepEqual([replayed?.name, replayed?.data, replayed?.opts.priority, await fq.getJobState(copy)], ['send', { to: 'c@example.com' }, 3, 'prioritized']);
      assert.equal(await fq.getJobState(id), 'failed', 'the failed one stays');
      const audit = await redis.client().xrange('chaperone:audit', '-', '+');
      assert.ok(audit.some(([, f]) => f.includes('replay') && f.some((v) => v.includes(`bullmq:replays`))), 'the replay is audited');
      const notFailed = await cli(['replay', 'bullmq:replays', copy, '--connection', 'default'], dir);
      assert.equal(notFailed.code, 1);
      assert.match(notFailed.stderr, /is prioritized, not failed: not replayed/);
      // --to: onto another queue (a debug worker's), new to Redis; the target is in the audit record.
      const to = await cli(['replay', 'bullmq:replays', id, '--connection', 'default', '--to', 'replays.debug'], dir);
      assert.equal(to.code, 0, to.stderr);
      const moved = /as job (\S+) on bullmq:replays\.debug \(the failed one stays\)/.exec(to.stdout)?.[1] ?? assert.fail(to.stdout);
      const dq = new Queue('replays.debug', { connection: { port: redis.port } });
      try {
        assert.deepEqual([(await dq.getJob(moved))?.data, await dq.getJobState(moved)], [{ to: 'c@example.com' }, 'prioritized']);
      } finally {
        await dq.close();
      }
      const audited = await redis.client().xrange('chaperone:audit', '-', '+');
      assert.ok(audited.some(([, f]) => f.includes('replay') && f.some((v) => v.includes('replays.debug'))), 'the target is audited');
      const bad = await cli(['replay', 'bullmq:replays', id, '--connection', 'default', '--to', 'has space'], dir);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /cannot replay into "has space": a queue name has no spaces or control characters/);
    } finally {
      await worker.close();
      await fq.close();
    }
  });

  it('mark-failed refuses a job that is not running; clean checks its options and cleans nothing young', async () => {
    const [pending] = await q.getJobs(['waiting'], 0, 0);
    const mf = await cli(['mark-failed', 'bullmq:mail', String(pending.id), '--connection', 'default'], dir);
    assert.equal(mf.code, 1);
    assert.match(mf.stderr, /refused: job \S+ of bullmq:mail is waiting, not running/);
    const bad = await cli(['clean', 'bullmq:mail', '--state', 'bogus'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--state must be completed or failed/);
    const badAge = await cli(['clean', 'bullmq:mail', '--state', 'failed', '--older-than', 'soon'], dir);
    assert.equal(badAge.code, 2);
    const ok = await cli(['clean', 'bullmq:mail', '--state', 'failed', '--older-than', '1h', '--connection', 'default'], dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /removed 0 failed job\(s\) older than 3600s/);
  });
});
