// `chaperone failures`: failed jobs grouped by their error, against real workers that failed them
// (BullMQ and RQ): counts, the message with its numbers made alike, the top frame in the worker's
// own file, sample ids; a group retried (a dry run first) is run again by the real worker.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import type { FailureGroup } from '../../src/queues/failure-groups';
import { tempDir } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { runCli } from '../helpers/run-cli';
import { readyOrKill, runScript } from '../helpers/run-script';
import { startRq } from '../helpers/system-workers';
import { waitFor } from '../helpers/wait';

interface Groups { read: number; complete: boolean; groups: (FailureGroup & { file: string | null; line: number | null })[] }

/** The 1-based line of a fixture that holds `text`. */
const lineOf = (file: string, text: string): number => readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

describe('chaperone failures: failed jobs grouped by their error, from real workers', function () {
  this.timeout(120_000);
  let redis: TestRedis;
  let dir: string;
  const workers: ChildProcess[] = [];
  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { CHAPERONE_REDIS_URL: '' } });
  const groups = async (queue: string): Promise<Groups> => {
    const r = await cli(['failures', queue, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Groups;
  };

  before(async () => {
    redis = await TestRedis.start();
    dir = tempDir();
    // The workers run from the fixtures, as code runs on a server; the project here holds a copy of
    // that code under code/, and pathMappings says where the server's paths are here.
    for (const f of ['workers/bullmq-worker.js', 'rq/tasks.py']) {
      mkdirSync(path.dirname(path.join(dir, 'code', f)), { recursive: true });
      copyFileSync(path.join(FIXTURES, f), path.join(dir, 'code', f));
    }
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({ redis: { url: redis.url }, queues: { bullmq: {}, rq: {} }, pathMappings: { [FIXTURES]: './code' } }));
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await redis.stop();
  });

  it('BullMQ: two errors, five failures, two groups; a group retried after a dry run', async () => {
    const q = new Queue('fg', { connection: { port: redis.port } });
    try {
      const timeouts = await q.addBulk([3001, 4512, 3999].map((ms) => ({ name: 'send', data: { fail: `SMTP connection to 10.0.0.${ms % 7}:25 timed out after ${ms} ms` } })));
      const typeErrors = await q.addBulk([1, 2].map((i) => ({ name: 'send', data: { fail: `order ${i}001 has no recipient`, type: 'TypeError' } })));
      workers.push(spawn(process.execPath, [path.join(FIXTURES, 'workers', 'bullmq-worker.js')], { env: { ...process.env, REDIS_URL: redis.url, QUEUE: 'fg', JOB_MS: '5' }, stdio: 'ignore' }));
      await waitFor(async () => ((await q.getJobCountByTypes('failed')) === 5 ? true : undefined), 'five failures', 30_000);
      const g = await groups('bullmq:fg');
      assert.equal(g.read, 5);
      assert.equal(g.complete, true);
      assert.deepEqual(g.groups.map((x) => [x.class, x.pattern, x.count]), [
        ['Error', 'SMTP connection to <n>.<n>:<n> timed out after <n> ms', 3],
        ['TypeError', 'order <n> has no recipient', 2],
      ]);
      assert.deepEqual(new Set(g.groups[0].sampleIds), new Set(timeouts.map((j) => String(j.id))));
      assert.deepEqual(new Set(g.groups[1].sampleIds), new Set(typeErrors.map((j) => String(j.id))));
      for (const x of g.groups) assert.match(x.frame ?? '', /bullmq-worker\.js:\d+/, 'the top frame is the worker\'s handler');
      // Where in this project's code: the handler's line, mapped from where the worker ran.
      for (const x of g.groups) assert.deepEqual([x.file, x.line], ['code/workers/bullmq-worker.js', lineOf('workers/bullmq-worker.js', 'const fail = () => new')]);
      assert.equal('frames' in g.groups[0], false, 'the parsed frames stay inside');
      assert.ok(g.groups.every((x) => x.firstSeen && x.lastSeen && x.lastSeen >= x.firstSeen));
      // The readable table.
      const table = await cli(['failures', 'bullmq:fg']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`${g.groups[0].key}\\s+3\\s+Error: SMTP connection`));
      assert.match(table.stdout, /5 failed job\(s\) in 2 group\(s\)/);
      assert.match(table.stdout, /code\/workers\/bullmq-worker\.js:\d+/, "the table says where, in the project's own path");
      // A dry run changes nothing; --yes retries the group, and the real worker runs it again.
      const dry = await cli(['failures', 'bullmq:fg', '--retry', g.groups[1].key]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /would retry 2 failed job\(s\) of bullmq:fg in group \w+ \(TypeError: order <n> has no recipient\); add --yes/);
      assert.equal(await q.getJobCountByTypes('failed'), 5);
      const before = await Promise.all(typeErrors.map(async (j) => (await q.getJob(String(j.id)))?.attemptsMade ?? 0));
      const yes = await cli(['failures', 'bullmq:fg', '--retry', g.groups[1].key, '--yes']);
      assert.equal(yes.code, 0, yes.stderr);
      assert.match(yes.stdout, /retried 2 of 2 failed job\(s\)/);
      await waitFor(async () => {
        const after = await Promise.all(typeErrors.map(async (j) => ({ made: (await q.getJob(String(j.id)))?.attemptsMade ?? 0, state: await q.getJobState(String(j.id)) })));
        return after.every((a, i) => a.made > before[i] && a.state === 'failed') ? true : undefined;
      }, 'the real worker ran the group again', 30_000);
      const none = await cli(['failures', 'bullmq:fg', '--retry', 'nosuchgroup']);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no failure group "nosuchgroup" in bullmq:fg/);
    } finally {
      await q.close();
    }
  });

  it('RQ: the traceback\'s last frame is the task in tasks.py; messages with different numbers group together', async () => {
    const rq = startRq(redis, 'rfg', 5);
    workers.push(await readyOrKill(rq.w, rq.ready));
    await runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rfg', '4', '0', '1'], { REDIS_URL: redis.url });
    await runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rfg', '1', '0', '1'], { REDIS_URL: redis.url, NOTE: 'order 4711 not found', NOTE_AT: '0' });
    await runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rfg', '1', '0', '1'], { REDIS_URL: redis.url, NOTE: 'order 815 not found', NOTE_AT: '0' });
    const admin = redis.client();
    await waitFor(async () => ((await admin.zcard('rq:failed:rfg')) === 6 ? true : undefined), 'six failures', 60_000);
    admin.disconnect();
    const g = await groups('rq:rfg');
    assert.deepEqual(g.groups.map((x) => [x.class, x.pattern, x.count]), [
      ['RuntimeError', 'simulated failure', 4],
      ['RuntimeError', 'order <n> not found', 2],
    ]);
    for (const x of g.groups) assert.match(x.frame ?? '', /tasks\.py:\d+ test_job$/);
    for (const x of g.groups) assert.deepEqual([x.file, x.line], ['code/rq/tasks.py', lineOf('rq/tasks.py', "raise RuntimeError(note or 'simulated failure')")]);
  });
});
