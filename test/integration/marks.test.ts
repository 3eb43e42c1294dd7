// Deploy marks end to end: the CLI writes one (audited), lists it, refuses a bad one with its reason;
// a running engine reads it for the dashboard, and adds its own.
import { strict as assert } from 'node:assert';
import Redis from 'ioredis';
import { startEngine, type Harness } from '../helpers/engine-harness';
import { TestRedis } from '../helpers/redis-server';
import { runCli } from '../helpers/run-cli';
import { waitFor } from '../helpers/wait';

describe('deploy marks', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let h: Harness | undefined;
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await h?.engine.shutdown(2000);
    await redis?.stop();
  });

  it('chaperone mark records, lists and audits; the engine reads it and adds its own', async () => {
    const env = { CHAPERONE_REDIS_URL: redis.url };
    const add = await runCli(['mark', 'deploy 1.4.2'], { env });
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^marked "deploy 1\.4\.2" at \d{4}-\d\d-\d\dT/);
    const earlier = await runCli(['mark', 'migration 42', '--at', new Date(Date.now() - 3_600_000).toISOString()], { env });
    assert.equal(earlier.code, 0, earlier.stderr);
    for (const [args, why] of [[['mark', ''], /needs a text/], [['mark', 'two\nlines'], /one line/], [['mark', 'x'.repeat(201)], /at most 200 characters/], [['mark', 'x', '--at', 'yesterday'], /not a time/]] as const) {
      const r = await runCli([...args], { env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, why);
    }
    const list = await runCli(['mark', '--list', '--json'], { env });
    assert.equal(list.code, 0, list.stderr);
    const marks = JSON.parse(list.stdout) as { text: string; actor: string; at: string }[];
    assert.deepEqual(marks.map((m) => m.text), ['migration 42', 'deploy 1.4.2'], 'oldest first');
    assert.match(marks[0].actor, /^cli:/);
    const since = JSON.parse((await runCli(['mark', '--list', '--since', '30m', '--json'], { env })).stdout) as unknown[];
    assert.equal(since.length, 1);
    const conn = new Redis(redis.port, '127.0.0.1');
    try {
      const audit = await conn.xrange('chaperone:audit', '-', '+');
      const verbs = audit.map(([, f]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])));
      assert.deepEqual(verbs.filter((e) => e.verb === 'mark').map((e) => e.detail), ['deploy 1.4.2', 'migration 42']);
    } finally {
      conn.disconnect();
    }

    h = await startEngine({ redis: { url: redis.url }, queues: { bullmq: {} } }, { redisUrl: redis.url, signals: { intervalMs: 200 } });
    const harness = h;
    await waitFor(() => harness.engine.marks().length === 2, 'the engine reads the marks', 10_000);
    const own = await harness.engine.addMark('  rollback 1.4.1 ');
    assert.equal(own.text, 'rollback 1.4.1');
    assert.deepEqual(harness.engine.marks().map((m) => m.text), ['migration 42', 'deploy 1.4.2', 'rollback 1.4.1']);
    await assert.rejects(harness.engine.addMark('\u0007'), /one line of text/);
  });
});
