// Drain with the queue system's own semantics, through the CLI and a running `supervise`:
// pause the BullMQ queue first, let the job in flight finish (reported while waiting), resume on start.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { node, tempDir } from '../helpers/engine-harness';
import { CLI, FIXTURES } from '../helpers/paths';
import { runCli } from '../helpers/run-cli';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';

const run = (args: string[]) => runCli(args);

describe('drain with the queue system\'s semantics (BullMQ)', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let sup: ChildProcess;
  let q: Queue;
  before(async () => {
    redis = await TestRedis.start();
    q = new Queue('slow-mail', { connection: { port: redis.port } });
    const dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({
      redis: { url: redis.url },
      pools: {
        mail: {
          command: node(path.join(FIXTURES, 'workers', 'bullmq-worker.js')),
          env: { REDIS_URL: redis.url, QUEUE: 'slow-mail', JOB_MS: '2500' },
          processes: 1, restart: { minUptime: '200ms' }, stop: { timeout: '20s' },
          queues: ['bullmq:slow-mail'], drain: { pauseQueues: true },
        },
      },
    }));
    sup = spawn(process.execPath, [CLI, 'supervise', '--config', path.join(dir, 'chaperone.json'), '--id', 'drainer'], { stdio: 'ignore' });
  });
  after(async () => {
    sup.kill('SIGKILL');
    await q.close();
    await redis.stop();
  });

  it('pauses the queue, reports the job in flight until it is done, and resumes on start', async () => {
    await waitFor(async () => {
      const s = await run(['status', '--json', '--redis', redis.url]);
      return s.code === 0 && (JSON.parse(s.stdout) as { supervisors: { pools: { workers: { state: string }[] }[] }[] }).supervisors[0]?.pools[0].workers[0]?.state === 'running';
    }, 'the worker running', 20_000, 200);
    const job = await q.add('send', { to: 'slow@example.com' });
    await q.add('send', { to: 'later@example.com' });
    await waitFor(async () => (await q.getJobState(String(job.id))) === 'active', 'the first job in flight');
    const drain = await run(['drain', 'mail', '--wait', '--timeout', '20s', '--redis', redis.url]);
    assert.equal(drain.code, 0, drain.stderr);
    assert.match(drain.stdout, /pool mail: 1 worker\(s\) finished .*; none left busy \(paused bullmq:slow-mail first\)/);
    assert.match(drain.stderr, /drainer: pool mail: 1 worker\(s\) still running \(mail-1\); 1 job\(s\) active on bullmq:slow-mail/);
    assert.equal(await q.getJobState(String(job.id)), 'completed', 'the job in flight finished');
    assert.equal(await q.isPaused(), true, 'the queue stays paused while the pool is drained');
    assert.equal((await q.getJobCounts('waiting')).waiting, 1, 'the next job waits for the pool');
    const start = await run(['start', 'mail', '--redis', redis.url]);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /pool mail started with 1 worker\(s\); resumed bullmq:slow-mail/);
    assert.equal(await q.isPaused(), false);
    await waitFor(async () => (await q.getJobCounts('completed')).completed === 2, 'the waiting job processed after the start', 20_000);
  });
});
