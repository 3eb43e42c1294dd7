// Every figure true, or saying it is not: throughput, failure rate, runtime and wait read by the
// real adapters from the systems' own records while real workers run, held against each system's
// own counters (BullMQ metrics, Sidekiq stats, RQ's worker counters, Celery's heartbeats and task
// events, Horizon's records), under removeOnComplete / removeOnFail and a trimmed events stream.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Queue, type QueueOptions } from 'bullmq';
import Redis from 'ioredis';
import { parseConfigText } from '../../src/core/config/parse-config';
import type { QueueSignal, Signals, SystemSignal } from '../../src/core/signals/signals-engine';
import { SignalsEngine } from '../../src/core/signals/signals-engine';
import { QueueObserver } from '../../src/node/signals/observe-queues';
import { QueueService } from '../../src/queues/queue-service';
import { createAdapters } from '../../src/queues/registry';
import { HorizonRecorder } from '../helpers/horizon-recorder';
import { FIXTURES } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { runScript } from '../helpers/run-script';
import { startCelery, startRq, startSidekiq } from '../helpers/system-workers';
import { sleep, waitFor } from '../helpers/wait';

/** A signals engine over every adapter of one Redis, ticked by the test (as the sampler does). */
async function harness(redis: TestRedis, json: object = {}) {
  const { config } = parseConfigText(JSON.stringify(json), '/x/chaperone.json');
  const conn = new Redis(redis.port, '127.0.0.1');
  const service = new QueueService([{ config: config.connections[0], redis: conn, adapters: createAdapters(config.connections[0], conn) }], { record: () => undefined }, 'test');
  const observer = new QueueObserver(service, () => new Map(), config.tenants.payloadField);
  const engine = new SignalsEngine(config.thresholds, config.tenants, config.signals, config.pools);
  let last: Signals | undefined;
  const tick = async (): Promise<Signals> => {
    const now = Date.now();
    const o = await observer.observe(now);
    engine.observe(now, { ...o, pools: [] });
    last = engine.signals(now);
    return last;
  };
  const queue = (s: Signals, id: string): QueueSignal => {
    const q = s.queues.find((x) => x.id === id);
    assert.ok(q, `${id} observed (${s.queues.map((x) => x.id).join(', ')})`);
    return q;
  };
  const system = (s: Signals, name: string): SystemSignal => {
    const x = s.systems.find((y) => y.system === name);
    assert.ok(x, `${name} system row`);
    return x;
  };
  /**
   * Ticks every `ms` until stopped, reading the system's own counters (`own`) right after each tick;
   * stop() gives the last tick and the one a minute before it, to hold a window's figure against the
   * counters' growth over the same span.
   */
  const sampling = <T>(ms: number, own: () => Promise<T>) => {
    const samples: { t: number; own: T; s: Signals }[] = [];
    let on = true;
    const run = (async () => {
      while (on) {
        const s = await tick();
        samples.push({ t: s.at, own: await own(), s });
        await sleep(ms);
      }
    })();
    return async () => {
      on = false;
      await run;
      const last = samples[samples.length - 1];
      const ago = samples.find((x) => x.t >= last.t - 60_000) ?? samples[0];
      return { last, ago, minutes: (last.t - ago.t) / 60_000, samples };
    };
  };
  return { engine, tick, queue, system, sampling, observer, last: () => last, close: async () => { await service.close(); conn.disconnect(); } };
}

function within(actual: number | null, expected: number, pct: number, what: string): void {
  assert.ok(actual !== null, `${what}: unknown`);
  assert.ok(Math.abs(actual - expected) <= (Math.abs(expected) * pct) / 100, `${what}: ${actual} against ${expected} (±${pct}%)`);
}

function startBullmq(redis: TestRedis, queue: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const w = spawn(process.execPath, [path.join(FIXTURES, 'workers', 'bullmq-worker.js')], { env: { ...process.env, REDIS_URL: redis.url, QUEUE: queue, JOB_MS: '2', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  w.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  return waitFor(() => out.includes('ready'), 'bullmq worker ready').then(() => w);
}

describe('true figures: BullMQ under removeOnComplete / removeOnFail, and a trimmed events stream', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  const workers: ChildProcess[] = [];
  const queues: Queue[] = [];
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(queues.map((q) => q.close()));
    await redis.stop();
  });
  const open = (name: string, opts: QueueOptions = { connection: { port: redis.port } }) => {
    const q = new Queue(name, opts);
    queues.push(q);
    return q;
  };

  it('a minute of steady load: throughput and failure rate agree with BullMQ\'s own metrics within 2 %, with and without removeOnComplete', async () => {
    const h = await harness(redis);
    const q = open('mail');
    const keep = open('keepall');
    // Metrics on the workers give BullMQ's own exact counts to hold Chaperone's figures against.
    for (let i = 0; i < 2; i++) workers.push(await startBullmq(redis, 'mail', { METRICS: '1' }));
    workers.push(await startBullmq(redis, 'keepall', { METRICS: '1' }));
    const metricsOf = async (x: Queue) => (await x.getMetrics('completed')).meta.count + (await x.getMetrics('failed')).meta.count;
    const metrics = () => metricsOf(q);
    const failedMetric = async () => (await q.getMetrics('failed')).meta.count;
    await h.tick(); // the cursors
    const m0 = await metrics();
    // After each tick, BullMQ's own counts at that moment: the window's figure is held against their growth.
    const stop = h.sampling(500, async () => ({ mail: await metrics(), keep: await metricsOf(keep) }));
    // 50 jobs a second on mail (removeOnComplete: 200, removeOnFail: 50, as people set them) and 10 on
    // keepall (nothing removed), every 5th failing, for 65 s: the last minute's window is all load.
    const started = Date.now();
    let added = 0;
    let failing = 0;
    while (Date.now() - started < 65_000) {
      const batch = Array.from({ length: 5 }, (_, i) => ({ name: 'send', data: { n: added + i, fail: i === 4 }, opts: { removeOnComplete: 200, removeOnFail: 50 } }));
      await q.addBulk(batch);
      if (added % 25 === 0) await keep.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'send', data: { n: added + i, fail: i === 4 } })));
      added += 5;
      failing += 1;
      await sleep(100);
    }
    // The last tick's figures against the growth of BullMQ's counters since the tick a minute before it.
    const { last, ago, minutes } = await stop();
    const mail = h.queue(last.s, 'bullmq:mail');
    const kept = h.queue(last.s, 'bullmq:keepall');
    within(mail.throughput.value, (last.own.mail - ago.own.mail) / minutes, 2, 'mail throughput /min against BullMQ metrics');
    within(kept.throughput.value, (last.own.keep - ago.own.keep) / minutes, 2, 'keepall throughput /min against BullMQ metrics');
    assert.equal(mail.throughput.precision, 'exact');
    within(mail.failureRate.value, 20, 2, 'mail failure rate %');
    within(kept.failureRate.value, 20, 2, 'keepall failure rate %');
    // Drained: the totals are BullMQ's own, to the job.
    await waitFor(async () => (await q.getJobCounts('wait', 'active')).wait + (await q.getJobCounts('active')).active === 0, 'drained', 20_000);
    await sleep(100);
    const end = h.queue(await h.tick(), 'bullmq:mail');
    const failedTotal = await failedMetric();
    assert.equal(end.finished.completed + (end.finished.failed ?? 0), (await metrics()) - m0, 'finished = BullMQ metrics growth');
    assert.equal(end.finished.failed, failedTotal, 'failed = BullMQ failed metric');
    assert.equal(end.finished.failed, failing, 'failed = the jobs made to fail');
    // The completed set holds at most 200 (removeOnComplete): the old derivation would have seen a flat line.
    const counts = await q.getJobCounts('completed', 'failed');
    assert.ok(counts.completed <= 200 && counts.failed <= 50, JSON.stringify(counts));
    assert.ok(end.finished.completed > 200, `${end.finished.completed} completed counted, past the 200 kept`);
    // Runtimes from the kept jobs' processedOn / finishedOn: the workers take ~2 ms a job.
    assert.equal(end.runtimeP50.precision, 'sampled');
    assert.ok((end.runtimeP50.value ?? -1) >= 2 && (end.runtimeP95.value ?? 0) >= (end.runtimeP50.value ?? 0), `p50 ${end.runtimeP50.value} p95 ${end.runtimeP95.value}`);
    const sys = h.system(await h.tick(), 'bullmq');
    assert.equal(sys.pending, end.pending);
    await h.close();
  });

  it('a trimmed stream: the gap is sized and said (lower bound), or covered exactly by the metrics; jobs removed on completion leave the runtime unknown', async () => {
    const h = await harness(redis);
    // maxLen 20: BullMQ trims its events stream to about 20 entries (MAXLEN ~).
    const plain = open('trimmed', { connection: { port: redis.port }, streams: { events: { maxLen: 20 } } });
    const metered = open('metered', { connection: { port: redis.port }, streams: { events: { maxLen: 20 } } });
    // The queues write their meta (opts.maxLenEvents) before any worker runs a script: a worker
    // first would set BullMQ's default of 10 000.
    await plain.add('warm', {}, { removeOnComplete: true });
    await metered.add('warm', {}, { removeOnComplete: true });
    const w1 = await startBullmq(redis, 'trimmed');
    const w2 = await startBullmq(redis, 'metered', { METRICS: '1' });
    workers.push(w1, w2);
    await waitFor(async () => (await plain.getMetrics('completed')).meta.count >= 0 && (await plain.count()) === 0 && (await metered.count()) === 0, 'warm-up done');
    await sleep(200);
    await h.tick();
    await h.tick(); // cursors on both queues
    const meta = redis.client();
    assert.equal(await meta.hget('bull:trimmed:meta', 'opts.maxLenEvents'), '20', "reading the queue (its workers, its jobs) leaves the producer's settings alone");
    meta.disconnect();
    // 300 jobs finish between two readings: far more events than the stream keeps.
    await plain.addBulk(Array.from({ length: 300 }, (_, i) => ({ name: 'x', data: { i }, opts: { removeOnComplete: true } })));
    await metered.addBulk(Array.from({ length: 300 }, (_, i) => ({ name: 'x', data: { i }, opts: { removeOnComplete: true } })));
    await waitFor(async () => (await plain.getJobCounts('wait', 'active')).wait === 0 && (await metered.getJobCounts('wait', 'active')).wait === 0, 'processed', 20_000);
    await sleep(300);
    const probe = redis.client();
    const trimmedTo = await probe.xlen('bull:trimmed:events');
    const maxLen = await probe.hget('bull:trimmed:meta', 'opts.maxLenEvents');
    probe.disconnect();
    assert.ok(trimmedTo < 300, `the stream was trimmed to ${trimmedTo} (maxLenEvents ${maxLen})`);
    const s = await h.tick();
    const t = h.queue(s, 'bullmq:trimmed');
    assert.equal(t.throughput.precision, 'lower-bound', JSON.stringify(t.throughput));
    assert.match(t.throughput.value === null ? '' : (t.throughput.note ?? ''), /dropped \d+ records before they were read/);
    assert.ok(t.finished.completed < 300, `${t.finished.completed} read of 300`);
    const m = h.queue(s, 'bullmq:metered');
    assert.equal(m.throughput.source, 'BullMQ metrics');
    assert.equal(m.throughput.precision, 'exact');
    assert.equal(m.finished.completed, 300, 'every job, from the metrics');
    // removeOnComplete: true deletes the hash at once: no start and end times to read.
    assert.equal(m.runtimeP50.value, null);
    assert.match(m.runtimeP50.source, /kept no start and end times/);
    await h.close();
  });
});

describe('true figures: tenants from real payloads', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  before(async () => {
    redis = await TestRedis.start();
  });
  after(() => redis.stop());

  it('a queue split a third each between three tenants shows a third each, with its error, the same at every refresh', async () => {
    const q = new Queue('shared', { connection: { port: redis.port } });
    const tenants = ['acme', 'globex', 'initech'];
    for (let i = 0; i < 3000; i += 500) await q.addBulk(Array.from({ length: 500 }, (_, k) => ({ name: 'send', data: { n: i + k, tenant_id: tenants[(i + k) % 3] } })));
    const h = await harness(redis, { tenants: { payloadField: 'tenant_id' }, thresholds: { hysteresis: { breachAfter: 1 } } });
    const shares = async (now: number) => {
      const o = await h.observer.observe(now);
      h.engine.observe(now, { ...o, pools: [] });
      return h.engine.signals(now).tenants;
    };
    const t0 = Date.now();
    await shares(t0); // starts the sampling
    await waitFor(async () => ((await shares(Date.now())).length === 3 ? true : undefined), 'tenants sampled');
    const first = await shares(Date.now());
    assert.deepEqual(first.map((t) => [t.tenant, t.backlogShare.precision]), [['acme', 'sampled'], ['globex', 'sampled'], ['initech', 'sampled']]);
    // A third each, within the stated error (and that error a few points for 400 of 3000 jobs).
    for (const t of first) assert.ok(Math.abs((t.backlogShare.value ?? 0) - 100 / 3) <= t.shareErrorPct && t.shareErrorPct > 0 && t.shareErrorPct < 6, `${t.tenant} ${t.backlogShare.value} ±${t.shareErrorPct}`);
    assert.match(first[0].backlogShare.value === null ? '' : (first[0].backlogShare.note ?? ''), /±[\d.]+ points \(95 %\), from bullmq:shared: 400 pending jobs as the system lists them of 3000/);
    // A refresh 30 s on samples again: the same split.
    await shares(t0 + 31_000);
    await sleep(300);
    const again = await shares(t0 + 32_000);
    assert.deepEqual(again.map((t) => t.backlogShare.value), first.map((t) => t.backlogShare.value));
    assert.deepEqual(h.engine.evaluate(t0 + 32_000).filter((f) => f.metric === 'backlogShare'), [], 'a third each is no noisy neighbour');
    await q.close();
    await h.close();
  });
});

describe('true figures: Sidekiq, RQ, Celery, Horizon and plain Laravel', function () {
  this.timeout(120_000);
  let redis: TestRedis;
  const workers: ChildProcess[] = [];
  before(async () => {
    redis = await TestRedis.start();
  });
  // Each test's workers are gone before the next starts, whatever it ended with (the Celery test
  // reads a system without task events: a -E worker left over would send them).
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => (w.exitCode !== null || w.signalCode !== null ? undefined : new Promise((r) => {
      w.once('exit', r);
      w.kill('SIGKILL');
    }))));
  });
  after(async () => {
    await redis.stop();
  });
  const script = (bin: string, dir: string, file: string, args: string[], env: Record<string, string> = {}) => runScript(bin, path.join(FIXTURES, dir, file), args, { REDIS_URL: redis.url, ...env });

  it('Sidekiq: system-wide from stat:processed / stat:failed, as Sidekiq\'s own stats; per queue unknown, said so', async () => {
    const c = redis.client();
    const { w, ready } = startSidekiq(redis, 'sk', 5);
    workers.push(w);
    await ready();
    // One job first: the queue exists when the harness discovers queues.
    await script('ruby', 'sidekiq', 'producer.rb', ['sk', '1']);
    await waitFor(async () => Number(await c.get('stat:processed')) >= 1, 'sidekiq warm-up', 20_000, 100);
    const h = await harness(redis);
    await h.tick();
    const before = (await c.mget('stat:processed', 'stat:failed')).map(Number);
    await script('ruby', 'sidekiq', 'producer.rb', ['sk', '40']);
    await script('ruby', 'sidekiq', 'producer.rb', ['sk', '10', '0', '1']);
    await waitFor(async () => Number(await c.get('stat:processed')) - before[0] >= 50, 'sidekiq processed 50', 30_000, 100);
    const s = await h.tick();
    const sys = h.system(s, 'sidekiq');
    const after = (await c.mget('stat:processed', 'stat:failed')).map(Number);
    assert.equal(sys.throughput.source, 'Sidekiq stat:processed / stat:failed (every attempt, system-wide)');
    assert.equal(sys.throughput.precision, 'exact');
    within(sys.failureRate.value, ((after[1] - before[1]) / (after[0] - before[0])) * 100, 2, 'failure rate against Sidekiq stats');
    const q = h.queue(s, 'sidekiq:sk');
    assert.equal(q.throughput.value, null);
    assert.match(q.throughput.source, /system-wide only/);
    c.disconnect();
    await h.close();
  });

  it('RQ: per queue from the finished and failed registries, equal to the workers\' own counters', async () => {
    const c = redis.client();
    const { w, ready } = startRq(redis, 'rqf', 20);
    workers.push(w);
    await ready();
    await script('/usr/bin/python3', 'rq', 'producer.py', ['rqf', '1']);
    // Finished, not only started (the job records itself when it starts): the cursor comes after it.
    await waitFor(async () => (await c.zcard('rq:finished:rqf')) >= 1, 'rq warm-up', 20_000, 100);
    const h = await harness(redis);
    await h.tick();
    await script('/usr/bin/python3', 'rq', 'producer.py', ['rqf', '29']);
    await script('/usr/bin/python3', 'rq', 'producer.py', ['rqf', '6', '0', '1']);
    const counters = async () => {
      const [name] = await c.smembers('rq:workers');
      const [ok, failed] = await c.hmget(name, 'successful_job_count', 'failed_job_count');
      return { ok: Number(ok ?? 0) - 1, failed: Number(failed ?? 0) }; // less the warm-up job
    };
    await waitFor(async () => { const x = await counters(); return x.ok + x.failed >= 35; }, 'rq processed 35', 40_000, 100);
    const s = await h.tick();
    const q = h.queue(s, 'rq:rqf');
    const own = await counters();
    assert.deepEqual([q.finished.completed, q.finished.failed], [own.ok, own.failed], 'the registries agree with the worker\'s counters');
    within(q.failureRate.value, (own.failed / (own.ok + own.failed)) * 100, 2, 'failure rate');
    assert.equal(q.throughput.precision, 'exact');
    // started_at / ended_at of the finished jobs: each sleeps 20 ms.
    assert.ok((q.runtimeP50.value ?? 0) >= 20, `p50 ${q.runtimeP50.value}`);
    c.disconnect();
    await h.close();
  });

  it('a minute of steady load on Sidekiq, RQ and Celery (-E): throughput and failure rate agree with their own counters within 2 %', async () => {
    const c = redis.client();
    const sk = startSidekiq(redis, 'sks', 5);
    const rq = startRq(redis, 'rqs', 5);
    const ce = startCelery(redis, 'ces', 5, '', true);
    workers.push(sk.w, rq.w, ce.w);
    await sk.ready();
    await rq.ready();
    await ce.ready();
    await script('/usr/bin/python3', 'celery', 'producer.py', ['ces', '1']);
    // The queues exist before the harness discovers them.
    await script('ruby', 'sidekiq', 'producer.rb', ['sks', '1']);
    await script('/usr/bin/python3', 'rq', 'producer.py', ['rqs', '1']);
    await waitFor(async () => (await c.llen('test:sks:processed')) >= 1 && (await c.llen('test:rqs:processed')) >= 1 && (await c.llen('test:ces:processed')) >= 1, 'warm-up', 30_000, 100);
    const rqName = (await Promise.all((await c.smembers('rq:workers')).map(async (k) => ((await c.hget(k, 'queues')) === 'rqs' ? k : undefined)))).find(Boolean);
    assert.ok(rqName, 'the RQ worker of rqs is registered');
    const h = await harness(redis);
    await h.tick();
    // Each system's own counters after each tick: Sidekiq's stats, the RQ worker's job counts, and
    // for Celery (which keeps none in Redis) the tasks' own record of each run.
    const own = async () => {
      const [processed, failed] = (await c.mget('stat:processed', 'stat:failed')).map(Number);
      const [ok, bad] = (await c.hmget(rqName, 'successful_job_count', 'failed_job_count')).map((v) => Number(v ?? 0));
      return { processed, failed, rqOk: ok, rqFailed: bad, celeryRuns: await c.llen('test:ces:processed') };
    };
    const stop = h.sampling(500, own);
    // 20 jobs a second on Sidekiq, 10 on RQ and 10 on Celery for 65 s, every 5th failing.
    await Promise.all([
      script('ruby', 'sidekiq', 'steady.rb', ['sks', '20', '65', '5']),
      script('/usr/bin/python3', 'rq', 'steady.py', ['rqs', '10', '65', '5']),
      script('/usr/bin/python3', 'celery', 'steady.py', ['ces', '10', '65', '5']),
    ]);
    const { last, ago, minutes, samples } = await stop();
    const sys = h.system(last.s, 'sidekiq');
    // Sidekiq adds to stat:processed at each 5 s heartbeat: between two arbitrary readings a minute
    // apart the count is off by up to a batch in twelve, so the rate is held against the readings of
    // the last minute where the counter moved.
    const moved = samples.filter((x, i) => i > 0 && x.t >= last.t - 61_000 && x.own.processed !== samples[i - 1].own.processed);
    const [m0, m1] = [moved[0], moved[moved.length - 1]];
    within(sys.throughput.value, ((m1.own.processed - m0.own.processed) / (m1.t - m0.t)) * 60_000, 2, 'Sidekiq throughput /min against stat:processed');
    within(sys.failureRate.value, ((m1.own.failed - m0.own.failed) / (m1.own.processed - m0.own.processed)) * 100, 2, 'Sidekiq failure rate against its stats');
    const q = h.queue(last.s, 'rq:rqs');
    const rqFinished = last.own.rqOk + last.own.rqFailed - (ago.own.rqOk + ago.own.rqFailed);
    within(q.throughput.value, rqFinished / minutes, 2, "RQ throughput /min against the worker's counts");
    within(q.failureRate.value, ((last.own.rqFailed - ago.own.rqFailed) / rqFinished) * 100, 2, "RQ failure rate against the worker's counts");
    const cel = h.system(last.s, 'celery');
    assert.equal(cel.throughput.source, 'Celery task events');
    within(cel.throughput.value, (last.own.celeryRuns - ago.own.celeryRuns) / minutes, 2, 'Celery throughput /min against the tasks run');
    within(cel.failureRate.value, 20, 2, 'Celery failure rate (every 5th task fails)');
    c.disconnect();
    await h.close();
  });

  it('Celery: throughput from the worker heartbeats without task events (failures unknown, said so); with -E every success and failure', async () => {
    const plain = startCelery(redis, 'cel', 5);
    workers.push(plain.w);
    await plain.ready();
    // The queues exist before the harness discovers them (the second one's too).
    await script('/usr/bin/python3', 'celery', 'producer.py', ['cel', '1']);
    const probe = redis.client();
    await waitFor(async () => (await probe.llen('test:cel:processed')) >= 1, 'celery warm-up', 30_000, 100);
    await script('/usr/bin/python3', 'celery', 'producer.py', ['cev', '1']);
    probe.disconnect();
    const h = await harness(redis);
    await h.tick();
    await waitFor(async () => (h.system(await h.tick(), 'celery').throughput.value !== null ? true : undefined), 'heartbeats read', 20_000, 500);
    await script('/usr/bin/python3', 'celery', 'producer.py', ['cel', '12']);
    // A heartbeat every ~2 s carries the worker's processed total.
    await waitFor(async () => ((await h.tick()).systems.find((x) => x.system === 'celery')?.throughput.value ?? 0) > 0 && h.last()?.systems.find((x) => x.system === 'celery')?.failureRate.value === null ? true : undefined, 'celery throughput', 30_000, 500);
    const s1 = h.system(h.last() as Signals, 'celery');
    assert.match(s1.throughput.source, /heartbeats/);
    assert.match(s1.failureRate.source, /does not tell failures apart/);
    plain.w.kill('SIGTERM');
    const ev = startCelery(redis, 'cev', 5, '', true);
    workers.push(ev.w);
    await ev.ready();
    await h.tick();
    await script('/usr/bin/python3', 'celery', 'producer.py', ['cev', '16']);
    await script('/usr/bin/python3', 'celery', 'producer.py', ['cev', '4', '0', '1']);
    const c = redis.client();
    await waitFor(async () => (await c.llen('test:cev:processed')) >= 21, 'celery ran 21 tasks', 30_000, 100);
    c.disconnect();
    await sleep(500);
    const s2 = h.system(await h.tick(), 'celery');
    assert.equal(s2.throughput.source, 'Celery task events');
    // 4 failing of the 20, and the warm-up task that ran on this worker: 4 of 21.
    within(s2.failureRate.value, (4 / 21) * 100, 2, `failure rate from task events (${JSON.stringify(s2.failureRate)})`);
    assert.ok((s2.runtimeP50.value ?? 0) >= 5, `p50 ${s2.runtimeP50.value}`);
    await h.close();
  });

  it('Horizon: completed from its metrics (a snapshot that resets them is followed), failed from failed_jobs; plain Laravel says unknown', async () => {
    const plain = await harness(redis);
    const c = redis.client();
    await c.rpush('laravel_database_queues:plain', JSON.stringify({ uuid: 'u1', id: 'u1', displayName: 'App\\Jobs\\A', attempts: 0, data: {} }));
    const p = plain.queue(await plain.tick(), 'laravel:plain');
    assert.equal(p.throughput.value, null);
    assert.match(p.throughput.source, /Laravel keeps nothing finished in Redis/);
    await plain.close();
    const rec = new HorizonRecorder(c);
    await rec.master('host-1', 100, ['host-1:supervisor-1']);
    await rec.queueMetrics('plain', 10, 50);
    const h = await harness(redis);
    await h.tick();
    await rec.queueMetrics('plain', 25, 50); // 15 completed
    for (let i = 0; i < 5; i++) await rec.failed('plain', JSON.stringify({ uuid: `f${i}`, id: `f${i}`, displayName: 'App\\Jobs\\A', attempts: 1, data: {} }), 'RuntimeException: no');
    await sleep(50);
    let q = h.queue(await h.tick(), 'laravel:plain');
    assert.deepEqual([q.finished.completed, q.finished.failed], [15, 5]);
    within(q.failureRate.value, 25, 0.1, 'failure rate');
    await rec.queueMetrics('plain', 4, 50); // horizon:snapshot forgot the hash; 4 since
    q = h.queue(await h.tick(), 'laravel:plain');
    assert.deepEqual([q.finished.completed, q.finished.failed], [19, 5]);
    c.disconnect();
    await h.close();
  });
});
