// Connection profiles beyond one URL: a master found through a real Redis Sentinel, across a real
// failover; a real Redis Cluster with real BullMQ and Laravel producers; and the config errors of a
// profile that says too much or too little.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import calculateSlot from 'cluster-key-slot';
import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { tempDir } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { TestCluster } from '../helpers/redis-cluster';
import { TestRedis } from '../helpers/redis-server';
import { TestSentinel } from '../helpers/redis-sentinel';
import { TestTlsRedis } from '../helpers/redis-tls';
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

describe('connections to a Redis Cluster', function () {
  this.timeout(60_000);
  let cluster: TestCluster;
  let dir: string;
  let client: Cluster;
  const bull = new Map<string, Queue>();
  const clients: Cluster[] = [];
  const clusterClient = (): Cluster => {
    const c = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0] }]);
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  const php = (script: string, args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile('php', [path.join(FIXTURES, 'laravel', script), ...args], { env: { ...process.env, REDIS_CLUSTER: cluster.nodes.join(',') } }, (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)));
    });
  // Queue names carry hash tags, as both systems require on a Cluster: each queue in one slot.
  const BULL = ['{mail}', '{sms}', '{push}', '{billing}', '{exports}', '{images}'];

  before(async () => {
    cluster = await TestCluster.start();
    client = clusterClient();
    dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({
      connections: { big: { cluster: { nodes: [cluster.nodes[0]] }, queues: { bullmq: {}, laravel: { cache: { db: 0 } } } } },
    }));
    for (const [i, name] of BULL.entries()) {
      const q = new Queue(name, { connection: clusterClient() });
      bull.set(name, q);
      await q.addBulk(Array.from({ length: i + 1 }, (_, n) => ({ name: 'send', data: { n } })));
      await q.add('later', {}, { delay: 60_000 });
    }
    await php('producer.php', ['{emails}', '3']);
    await php('producer.php', ['{reports}', '2', '60']);
  });
  after(async () => {
    await Promise.all([...bull.values()].map((q) => q.close()));
    clients.forEach((c) => c.disconnect()); // bullmq does not close a connection it was given
    await cluster?.stop();
  });

  it('the queues live on several nodes, and `queues` counts each as its system does', async () => {
    const owners = new Set([...BULL, '{emails}'].map((n) => client.slots[calculateSlot(n)]?.[0]));
    assert.ok(owners.size >= 2, `queues spread over ${owners.size} node(s)`);
    const r = await cli(['queues', '--json', '--connection', 'big'], dir);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { queues: { id: string; counts: Record<string, number> }[] };
    const byId = new Map(j.queues.map((x) => [x.id, x.counts]));
    for (const [name, q] of bull) {
      const theirs = await q.getJobCounts();
      assert.equal(byId.get(`bullmq:${name}`)?.pending, theirs.waiting, name);
      assert.equal(byId.get(`bullmq:${name}`)?.delayed, theirs.delayed, name);
    }
    for (const name of ['{emails}', '{reports}']) {
      const c = byId.get(`laravel:${name}`);
      assert.equal((c?.pending ?? 0) + (c?.delayed ?? 0) + (c?.active ?? 0), Number(await php('size.php', [name])), name);
    }
  });

  it('writes through the cluster: BullMQ pause, Laravel cancel by id, Laravel pause read back by Laravel', async () => {
    const paused = await cli(['pause', 'bullmq:{sms}', '--connection', 'big'], dir);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal(await bull.get('{sms}')?.isPaused(), true);
    const [id] = (await php('producer.php', ['{emails}', '1'])).trim().split('\n');
    const before = Number(await php('size.php', ['{emails}']));
    const cancelled = await cli(['cancel', 'laravel:{emails}', id, '--connection', 'big'], dir);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(Number(await php('size.php', ['{emails}'])), before - 1);
    const lp = await cli(['pause', 'laravel:{emails}', '--connection', 'big'], dir);
    assert.equal(lp.code, 0, lp.stderr);
    assert.equal(JSON.parse(await php('cache-get.php', ['illuminate:queue:paused:redis:{emails}'])), true);
  });
});

describe('connections over TLS (rediss://) with a password from the environment', function () {
  this.timeout(30_000);
  let server: TestTlsRedis;
  let dir: string;
  before(async () => {
    server = await TestTlsRedis.start('s3cret-pw');
    dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({ connections: { secure: { url: server.url, queues: { bullmq: {} } } } }));
    const c = server.client('s3cret-pw');
    await c.connect();
    const q = new Queue('tls-mail', { connection: c });
    await q.add('send', {});
    await q.close();
    c.disconnect();
  });
  after(async () => {
    await server?.stop();
  });

  it('reads the queues with the CA trusted and the password from CHAPERONE_REDIS_PASSWORD_<NAME>', async () => {
    const r = await runCli(['queues', '--json', '--connection', 'secure'], { cwd: dir, env: { CHAPERONE_REDIS_URL: '', NODE_EXTRA_CA_CERTS: server.caFile, CHAPERONE_REDIS_PASSWORD_SECURE: 's3cret-pw' } });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { queues: { id: string; counts: { pending: number } }[] };
    assert.equal(j.queues.find((x) => x.id === 'bullmq:tls-mail')?.counts.pending, 1);
  });

  it('an untrusted certificate or a missing password is a clear error naming the URL, without secrets', async () => {
    const untrusted = await runCli(['queues', '--connection', 'secure'], { cwd: dir, env: { CHAPERONE_REDIS_URL: '', CHAPERONE_REDIS_PASSWORD_SECURE: 's3cret-pw' } });
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, new RegExp(`cannot reach Redis at rediss://127\\.0\\.0\\.1:${server.port}: .*(certificate|self.signed)`, 'i'));
    const noPassword = await runCli(['queues', '--connection', 'secure'], { cwd: dir, env: { CHAPERONE_REDIS_URL: '', NODE_EXTRA_CA_CERTS: server.caFile } });
    assert.equal(noPassword.code, 1);
    assert.match(noPassword.stderr, /cannot reach Redis at rediss:.*NOAUTH/);
    assert.doesNotMatch(untrusted.stderr + noPassword.stderr, /s3cret-pw/);
  });
});
