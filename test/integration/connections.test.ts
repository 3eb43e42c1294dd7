// Connection profiles beyond one URL: a master found through a real Redis Sentinel, across a real
// failover, and the config errors of a profile that says too much or too little.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { tempDir } from '../helpers/engine-harness';
import { TestRedis } from '../helpers/redis-server';
import { TestSentinel } from '../helpers/redis-sentinel';
import { runCli } from '../helpers/run-cli';
import { waitFor } from '../helpers/wait';

const cli = (args: string[], cwd: string) => runCli(args, { cwd, env: { CHAPERONE_REDIS_URL: '' } });

describe('connections through Redis Sentinel', function () {
  this.timeout(60_000);
  let master: TestRedis;
  let replica: TestRedis;
  let sentinel: TestSentinel;
  let dir: string;

  before(async () => {
    master = await TestRedis.start(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
    replica = await TestRedis.start(['--replicaof', '127.0.0.1', String(master.port)]);
    sentinel = await TestSentinel.start('queues-ha', master.port);
    dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({
      queues: { bullmq: {} },
      connections: { ha: { sentinel: { masterName: 'queues-ha', sentinels: [`127.0.0.1:${sentinel.port}`] }, queues: { bullmq: {} } } },
    }));
    const q = new Queue('ha-mail', { connection: { port: master.port } });
    await q.addBulk([{ name: 'send', data: {} }, { name: 'send', data: {} }]);
    await q.close();
    const probe = replica.client();
    await waitFor(async () => ((await probe.llen('bull:ha-mail:wait')) === 2 ? true : undefined), 'replica in sync');
    probe.disconnect();
  });
  after(async () => {
    await sentinel?.stop();
    await replica?.stop();
    await master?.stop();
  });

  const pendingOnHa = async (): Promise<number | undefined> => {
    const r = await cli(['queues', '--json', '--connection', 'ha'], dir);
    if (r.code !== 0) return undefined;
    const j = JSON.parse(r.stdout) as { queues: { id: string; connection: string; counts: { pending: number } }[] };
    return j.queues.find((x) => x.id === 'bullmq:ha-mail' && x.connection === 'ha')?.counts.pending;
  };

  it('reads the queues of the master the sentinels name, and writes to it', async () => {
    assert.equal(await pendingOnHa(), 2);
    const paused = await cli(['pause', 'bullmq:ha-mail', '--connection', 'ha'], dir);
    assert.equal(paused.code, 0, paused.stderr);
    const c = master.client();
    assert.equal(await c.hget('bull:ha-mail:meta', 'paused'), '1', 'the pause reached the master');
    c.disconnect();
  });

  it('follows a failover: with the master gone, the promoted replica answers', async () => {
    await master.kill();
    await waitFor(async () => ((await sentinel.masterPort('queues-ha')) === replica.port ? true : undefined), 'sentinel promoted the replica', 20_000, 200);
    assert.equal(await pendingOnHa(), 2);
    const resumed = await cli(['resume', 'bullmq:ha-mail', '--connection', 'ha'], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    const c = replica.client();
    assert.equal(await c.hget('bull:ha-mail:meta', 'paused'), null, 'the resume reached the new master');
    c.disconnect();
  });

  it('a profile with both "url" and "sentinel" (or neither) is an error at its place in chaperone.json', async () => {
    const bad = tempDir();
    writeFileSync(path.join(bad, 'chaperone.json'), '{\n  "connections": {\n    "both": {"url": "redis://127.0.0.1:1", "sentinel": {"masterName": "m", "sentinels": ["127.0.0.1:26379"]}},\n    "none": {"readOnly": true}\n  }\n}\n');
    const r = await cli(['queues'], bad);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /chaperone\.json:3:\d+: connections\.both: needs exactly one of "url"/);
    assert.match(r.stderr, /chaperone\.json:4:\d+: connections\.none: needs exactly one of "url"/);
  });
});
