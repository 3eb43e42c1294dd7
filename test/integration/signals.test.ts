// Signals end to end against real queues, real workers and a private redis-server: `check` exit
// codes, the supervisor's findings and Prometheus metrics, history persisted in Redis and read back,
// tenants read from real job payloads.
import { queueRef } from '../../src/core/queue-ref';
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { parseConfigText } from '../../src/core/config/parse-config';
import { SignalsEngine } from '../../src/core/signals/signals-engine';
import { QueueObserver } from '../../src/node/signals/observe-queues';
import { RedisHistory } from '../../src/node/signals/redis-history';
import { QueueService } from '../../src/queues/queue-service';
import { createAdapters } from '../../src/queues/registry';
import { startEngine, tempDir, type Harness } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { freePort, TestRedis } from '../helpers/redis-server';
import { runCli } from '../helpers/run-cli';
import { waitFor } from '../helpers/wait';
import { httpGet } from '../helpers/http-get';

const get = httpGet;

describe('signals against real queues', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let q: Queue;
  before(async () => {
    redis = await TestRedis.start();
    q = new Queue('mail', { connection: { port: redis.port } });
    await q.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: 'send', data: { i, tenant_id: i >= 6 ? 'acme' : 'globex' } })));
    const other = new Queue('sms', { connection: { port: redis.port } });
    await other.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'send', data: { i, tenant_id: 'globex' } })));
    await other.close();
  });
  after(async () => {
    await q?.close();
    await redis?.stop();
  });

  const checkIn = async (thresholds: object) => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({ redis: { url: redis.url }, queues: { bullmq: {} }, thresholds }, null, 2));
    return runCli(['check', '--json'], { cwd: dir, env: { CHAPERONE_REDIS_URL: '' } });
  };

  it('check: exit 0 within the thresholds, 1 on a warning, 2 on a critical, with the rule\'s line', async () => {
    const ok = await checkIn({ queues: { 'bullmq:*': { depth: { warning: 100 }, zeroConsumers: 'off' } }, host: { cpu: { warning: 100 }, memory: { warning: 100 }, disk: { warning: 100 }, loadPerCore: { warning: 1000 } } });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { status: string }).status, 'ok');
    const warn = await checkIn({ queues: { 'bullmq:*': { depth: { warning: 10 } }, 'bullmq:sms': { zeroConsumers: 'off' }, 'bullmq:mail': { zeroConsumers: 'off' } }, host: { cpu: { warning: 100 }, memory: { warning: 100 }, disk: { warning: 100 }, loadPerCore: { warning: 1000 } } });
    assert.equal(warn.code, 1, warn.stdout + warn.stderr);
    const w = JSON.parse(warn.stdout) as { status: string; findings: { message: string; line: number; severity: string }[]; health: Record<string, string> };
    assert.deepEqual(w.findings.map((f) => [f.severity, f.message]), [['warning', 'bullmq:mail depth 30 > 10']]);
    assert.deepEqual([w.health['queue:default/bullmq:mail'], w.health['queue:default/bullmq:sms'], w.health['host:host']], ['warning', 'ok', 'ok']);
    assert.equal(w.findings[0].line, 11, 'the line of "depth" in the pretty-printed file');
    const crit = await checkIn({ queues: { 'bullmq:mail': { zeroConsumers: 'critical' } } });
    assert.equal(crit.code, 2, crit.stdout + crit.stderr);
    assert.ok((JSON.parse(crit.stdout) as { findings: { message: string }[] }).findings.some((f) => f.message === 'bullmq:mail has 30 pending jobs and no consumer'));
  });

  it('supervise: findings with hysteresis in the log, cleared when a real worker drains the queue; Prometheus metrics', async () => {
    const port = await freePort();
    let h: Harness | undefined;
    const waiting = new Queue('burst', { connection: { port: redis.port } });
    const seen: string[] = [];
    await waiting.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'x', data: { i } })));
    try {
      h = await startEngine({
        redis: { url: redis.url }, queues: { bullmq: {} },
        thresholds: { hysteresis: { breachAfter: 2, clearAfter: 2 }, queues: { 'bullmq:burst': { depth: { warning: 5 } } } },
        pools: { burst: { command: [process.execPath, path.join(FIXTURES, 'workers', 'bullmq-worker.js')], processes: 1, autostart: false, queues: ['bullmq:burst'], env: { REDIS_URL: redis.url, QUEUE: 'burst', JOB_MS: '20' } } },
      }, {
        redisUrl: redis.url, signals: { intervalMs: 200, metrics: { host: '127.0.0.1', port } },
        // From the very first tick: a loaded machine can tick before startEngine returns.
        beforeStart: (e) => e.signals?.ticked.on(({ findings }) => seen.push(findings.map((f) => f.message).join('|'))),
      });
      const harness = h;
      const sampler = harness.engine.signals ?? assert.fail('signals on');
      // Judged on the ticks' own events (findings are published a turn before their tick's event).
      await waitFor(() => (seen.some((f) => f.includes('bullmq:burst depth 20 > 5')) ? true : undefined), 'the depth finding');
      const first = seen.findIndex((f) => f.includes('burst depth'));
      assert.ok(first >= 1, `raised on the second sample over, not the first (ticks: ${JSON.stringify(seen)})`);
      const metrics = await get(`http://127.0.0.1:${port}/metrics`);
      assert.match(metrics, /chaperone_queue_pending\{connection="default",queue="bullmq:burst"\} 20/);
      assert.match(metrics, /chaperone_finding\{severity="warning",kind="queue",subject="default\/bullmq:burst",metric="depth"\} 1/);
      assert.match(metrics, /chaperone_host_cpu_percent \d/);
      harness.engine.supervisor.pools.get('burst')?.start();
      await waitFor(() => (sampler.findings.some((f) => f.metric === 'depth' && f.subject.id === 'default/bullmq:burst') ? undefined : true), 'cleared after the worker drained it', 20_000)
        .catch((err: unknown) => assert.fail(`${String(err)}\n${harness.logs.slice(-15).join('\n')}\n${JSON.stringify(sampler.findings.map((f) => f.message))}`));
      // "running" once past its minUptime
      const after = await waitFor(async () => {
        const m = await get(`http://127.0.0.1:${port}/metrics`);
        return /chaperone_pool_running_workers\{pool="burst"\} 1/.test(m) ? m : undefined;
      }, 'the pool\'s running worker in the metrics');
      assert.match(after, /chaperone_queue_pending\{connection="default",queue="bullmq:burst"\} 0/);
    } finally {
      await h?.engine.shutdown(2000);
      await waiting.close();
    }
  });

  it('history persisted in Redis is read back by another engine, trend line included', async () => {
    const { config } = parseConfigText('{"signals": {"trendWindow": "5m"}}', '/x/chaperone.json');
    const conn = new Redis(redis.port, '127.0.0.1');
    try {
      const a = new SignalsEngine(config.thresholds, config.tenants, config.signals);
      const ha = new RedisHistory(conn, 'chaperone:', 'sup-a', 3_600_000);
      const t0 = Date.now() - 60_000;
      const obs = (n: number) => ({ queues: [{ ref: queueRef('bullmq', 'default', 'hist'), key: 'default/bullmq:hist', id: 'bullmq:hist', connection: 'default', pending: n, delayed: 0, active: 0, failed: 0, oldestAgeMs: null, runtimeMs: null, consumers: null, paused: false }], pools: [] });
      for (let i = 0; i <= 40; i++) {
        a.observe(t0 + i * 1000, obs(100 + 2 * i));
        await ha.afterTick(a, t0 + i * 1000);
      }
      const entries = await conn.xlen('chaperone:history:queue:default/bullmq:hist:depth');
      assert.ok(entries >= 3, `flushed every 10 s: ${entries} entries`);
      const b = new SignalsEngine(config.thresholds, config.tenants, config.signals);
      const hb = new RedisHistory(conn, 'chaperone:', 'sup-b', 3_600_000);
      b.observe(t0 + 41_000, obs(182));
      await hb.afterTickRestoreOnly(b, t0 + 41_000);
      const points = b.history('queue:default/bullmq:hist:depth', t0, t0 + 41_000)?.points ?? [];
      assert.ok(points.length >= 30, `${points.length} points restored`);
      const [qb] = b.signals(t0 + 41_000).queues;
      assert.ok(Math.abs(qb.slopePerMin - 120) < 1, `the trend survives: ${qb.slopePerMin}/min`);
    } finally {
      conn.disconnect();
    }
  });

  it('tenants from a payload field of real jobs: a noisy neighbour', async () => {
    const { config } = parseConfigText(JSON.stringify({ tenants: { payloadField: 'tenant_id' }, thresholds: { hysteresis: { breachAfter: 1 } } }), '/x/chaperone.json');
    const conn = new Redis(redis.port, '127.0.0.1');
    try {
      const service = new QueueService([{ config: config.connections[0], redis: conn, adapters: createAdapters({ ...config.connections[0], systems: { bullmq: { prefix: 'bull' } } }, conn) }], { record: () => undefined }, 'test');
      const observer = new QueueObserver(service, () => new Map(), 'tenant_id');
      const engine = new SignalsEngine(config.thresholds, config.tenants, config.signals);
      const now = Date.now();
      await observer.observe(now); // the first tick starts the payload sampling
      await waitFor(async () => ((await observer.observe(Date.now())).queues.filter((o) => o.tenantSample).length >= 2 ? true : undefined), 'tenants sampled');
      const later = Date.now();
      engine.observe(later, { queues: (await observer.observe(later)).queues.filter((o) => o.id === 'bullmq:mail' || o.id === 'bullmq:sms'), pools: [] });
      const tenants = engine.signals(later).tenants.map((t) => [t.tenant, t.pending, t.backlogShare.precision]);
      // mail holds 24 acme and 6 globex jobs, sms 3 globex: split job by job (not "mail belongs to acme"), counted exactly.
      assert.deepEqual(tenants, [['acme', 24, 'exact'], ['globex', 9, 'exact']]);
      assert.ok(engine.evaluate(later).some((f) => f.message.startsWith('tenant acme holds 73% of the backlog (24 jobs)')), JSON.stringify(engine.evaluate(later).map((f) => f.message)));
    } finally {
      conn.disconnect();
    }
  });
});
