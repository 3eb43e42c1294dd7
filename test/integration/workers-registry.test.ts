// `chaperone workers`: the workers each system registers, with what they run now, against real
// Sidekiq and RQ workers running a long job; the ids it prints are the ones `chaperone worker`
// takes, and a worker on one of two connections is found without --connection.
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LiveWorker } from '../../src/queues/contract';
import { tempDir } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { runCli } from '../helpers/run-cli';
import { readyOrKill, runScript } from '../helpers/run-script';
import { startRq, startSidekiq } from '../helpers/system-workers';
import { waitFor } from '../helpers/wait';

interface Listing { systems: { system: string; connection: string; workers?: LiveWorker[]; unavailable?: string }[] }

describe('chaperone workers: the systems\' own workers, and what they run now', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  let other: TestRedis;
  let dir: string;
  const workers: ChildProcess[] = [];
  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { CHAPERONE_REDIS_URL: '' } });

  before(async () => {
    [redis, other] = await Promise.all([TestRedis.start(), TestRedis.start()]);
    dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({ redis: { url: redis.url }, queues: { sidekiq: {}, rq: {}, laravel: {} }, connections: { second: { url: other.url, queues: { sidekiq: {} } } } }));
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all([redis.stop(), other.stop()]);
  });

  it('lists Sidekiq and RQ workers with their running job; quiets the Sidekiq one by the id it printed', async () => {
    const sk = startSidekiq(redis, 'busyq', 20_000);
    const rq = startRq(redis, 'rbusy', 20_000);
    workers.push(await readyOrKill(sk.w, sk.ready), await readyOrKill(rq.w, rq.ready));
    const [jid] = (await runScript('ruby', path.join(FIXTURES, 'sidekiq', 'producer.rb'), ['busyq', '1'], { REDIS_URL: redis.url })).trim().split('\n');
    const [rid] = (await runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['rbusy', '1'], { REDIS_URL: redis.url })).trim().split('\n');
    const listing = await waitFor(async () => {
      const r = await cli(['workers', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const l = JSON.parse(r.stdout) as Listing;
      const s = l.systems.find((x) => x.system === 'sidekiq' && x.connection === 'default')?.workers?.[0];
      const q = l.systems.find((x) => x.system === 'rq' && x.connection === 'default')?.workers?.[0];
      return s?.running?.[0]?.id === jid && q?.running?.[0]?.id === rid ? l : undefined;
    }, 'both workers running their job', 30_000, 300);
    const s = listing.systems.find((x) => x.system === 'sidekiq' && x.connection === 'default')?.workers?.[0] as LiveWorker;
    assert.equal(s.pid, sk.w.pid);
    assert.deepEqual(s.queues, ['sidekiq:busyq']);
    assert.equal(s.running?.[0].name, 'TestJob');
    assert.equal(s.running?.[0].queue, 'sidekiq:busyq');
    assert.deepEqual(s.actions, ['quiet', 'stop']);
    // A system without a registry says so; the second connection has none running.
    assert.match(listing.systems.find((x) => x.system === 'laravel')?.unavailable ?? '', /no worker registry/);
    assert.deepEqual(listing.systems.find((x) => x.system === 'sidekiq' && x.connection === 'second')?.workers, []);
    // The readable table, and the id it shows quiets the process, without --connection.
    const table = await cli(['workers', 'sidekiq']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`TestJob #${jid}`));
    const quiet = await cli(['worker', 'sidekiq', s.id, 'quiet']);
    assert.equal(quiet.code, 0, quiet.stderr);
    const admin = redis.client();
    await waitFor(async () => ((await admin.hget(s.id, 'quiet')) === 'true' ? true : undefined), 'Sidekiq marks itself quiet', 20_000);
    admin.disconnect();
  });
});
