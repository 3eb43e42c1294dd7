// npm run bench:queues — counts of many queues: the adapter (one round trip) vs the baselines,
// in one run, against a private redis-server. Not a test: prints figures and targets side by side.
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { BullmqAdapter } from '../src/queues/bullmq/bullmq-adapter';
import { BULLMQ_COUNT_PARTS, BullmqKeys } from '../src/queues/bullmq/bullmq-keys';
import { queueRef } from '../src/queues/contract';
import { LaravelAdapter } from '../src/queues/laravel/laravel-adapter';
import { LaravelKeys } from '../src/queues/laravel/laravel-keys';
import { createAdapters } from '../src/queues/registry';
import { TestRedis } from '../test/helpers/redis-server';

const ITER = Number(process.env.BENCH_ITER ?? 100);
const N_BULLMQ = 100;
const N_LARAVEL = 1000;

interface Figure {
  wallMs: number;
  cpuMs: number;
  roundTrips: number;
  writes: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The round trips and socket writes of one call, on every connection given. A write starts a round
 * trip when everything sent before it had been answered (the client waited); writes sent while
 * earlier ones are still unanswered share theirs (a pipeline, or calls sent one after another
 * without waiting, even where a reply came back in between). What is unanswered is ioredis's own
 * queue of commands awaiting a reply, looked at once each reply has been read.
 */
async function roundTrips(clients: readonly Redis[], fn: () => Promise<unknown>): Promise<{ roundTrips: number; writes: number }> {
  let writes = 0;
  let trips = 0;
  let answered = true;
  const queues = clients.map((redis) => (redis as unknown as { commandQueue: { length: number } }).commandQueue);
  const onData = () => {
    // Listened to after ioredis's own reader: the replies of this chunk have been taken off.
    answered = queues.every((q) => q.length === 0);
  };
  const restore = clients.map((redis) => {
    const stream = (redis as unknown as { stream: NodeJS.EventEmitter & { write: (...a: unknown[]) => boolean } }).stream;
    const orig = stream.write.bind(stream);
    stream.write = (...a: unknown[]) => {
      writes++;
      if (answered) trips++;
      answered = false;
      return orig(...a);
    };
    stream.on('data', onData);
    return () => {
      stream.write = orig;
      stream.off('data', onData);
    };
  });
  try {
    await fn();
  } finally {
    for (const r of restore) r();
  }
  return { roundTrips: trips, writes };
}

/**
 * Runs the contenders in alternation (A, B, C, A, B, C, ...) so that machine noise and drift fall
 * on all of them alike, and returns the median wall and client CPU of each.
 */
async function measureInterleaved(clients: readonly Redis[], fns: Record<string, () => Promise<unknown>>, before?: () => Promise<unknown>): Promise<Record<string, Figure>> {
  const names = Object.keys(fns);
  for (let i = 0; i < 5; i++) for (const n of names) await fns[n](); // warm-up: scripts loaded
  const walls: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpus: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < ITER; i++) {
    for (const n of names) {
      await before?.(); // untimed: e.g. a change to every queue
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fns[n]();
      walls[n].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpus[n].push((c.user + c.system) / 1000);
    }
  }
  const out: Record<string, Figure> = {};
  for (const n of names) out[n] = { wallMs: median(walls[n]), cpuMs: median(cpus[n]), ...(await roundTrips(clients, fns[n])) };
  return out;
}

async function main(): Promise<void> {
  const server = await TestRedis.start();
  const conn = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  const queues: Queue[] = [];
  // The adapter on a connection of its own, as in the extension (the producers are other processes).
  const own = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  try {
    process.stderr.write(`creating ${N_BULLMQ} BullMQ queues...\n`);
    for (let i = 0; i < N_BULLMQ; i++) {
      const q = new Queue(`bench-${i}`, { connection: conn });
      await q.addBulk(Array.from({ length: 5 }, (_, j) => ({ name: 'job', data: { j } })));
      await q.add('later', {}, { delay: 3_600_000 });
      queues.push(q);
    }
    // The adapter's clock advances a second per call, as at 1 Hz, so its periodic full counts
    // (every 5 s per queue) and runtime measurements (every 10 s) fall in the rounds at their real rate.
    let clock = Date.now();
    const tick = () => (clock += 1000);
    const adapter = new BullmqAdapter('bench', own);
    const refs = (await adapter.discover(true)).filter((r) => r.name.startsWith('bench-'));
    if (refs.length !== N_BULLMQ) throw new Error(`discovered ${refs.length} queues`);
    const keys = new BullmqKeys();
    const { ours, theirs, pipeline } = await measureInterleaved([own, conn], {
      ours: () => adapter.counts(refs, tick()),
      theirs: () => Promise.all(queues.map((q) => q.getJobCounts())),
      pipeline: async () => {
        const p = own.pipeline();
        for (const r of refs) {
          for (const part of BULLMQ_COUNT_PARTS) {
            if (part === 'wait' || part === 'paused' || part === 'active') p.llen(keys.key(r.name, part));
            else p.zcard(keys.key(r.name, part));
          }
        }
        return p.exec();
      },
    });
    // Every queue changes between two ticks: a real BullMQ write that appends an event (a job's
    // progress) to each queue before each timed call, so nothing can be revalidated.
    const probes = await Promise.all(queues.map(async (q) => (await q.getJobs(['waiting'], 0, 0))[0]));
    let step = 0;
    const changing = new BullmqAdapter('bench', own);
    const busy = await measureInterleaved([own, conn], {
      ours: () => changing.counts(refs, tick()),
      theirs: () => Promise.all(queues.map((q) => q.getJobCounts())),
    }, () => Promise.all(probes.map((j) => j?.updateProgress(++step))));
    const progressReadings = { ...changing.readings };
    await changing.close();
    // Every queue gets a new job between two ticks (bullmq's own add: 'added' and 'waiting' events,
    // which touch the pending states and the oldest job).
    const adding = new BullmqAdapter('bench', own);
    const added = await measureInterleaved([own, conn], {
      ours: () => adding.counts(refs, tick()),
      theirs: () => Promise.all(queues.map((q) => q.getJobCounts())),
    }, () => Promise.all(queues.map((q) => q.add('more', { step: ++step }))));
    const addReadings = { ...adding.readings };
    await adding.close();
    // The counts must agree before any figure means anything.
    const [a, b] = [await adapter.counts([queueRef('bullmq', 'bench', 'bench-0')], tick()), await queues[0].getJobCounts()];
    if (a[0].counts.pending !== b.waiting || a[0].counts.delayed !== b.delayed) throw new Error('adapter and getJobCounts disagree');

    const row = (name: string, f: Figure, ratio: string, target: string) =>
      `| ${name.padEnd(44)} | ${f.wallMs.toFixed(2).padStart(7)} ms | ${f.cpuMs.toFixed(2).padStart(7)} ms | ${String(f.roundTrips).padStart(11)} | ${String(f.writes).padStart(6)} | ${ratio.padEnd(14)} | ${target.padEnd(9)} |`;
    console.log(`queue counts benchmark: medians of ${ITER} rounds, contenders alternating, node ${process.version}, ${new Date().toISOString()}`);
    console.log(`| ${'counts of 100 BullMQ queues'.padEnd(44)} | ${'wall'.padStart(10)} | ${'client CPU'.padStart(10)} | round trips | writes | ratio          | target    |`);
    console.log(`|${'-'.repeat(46)}|${'-'.repeat(12)}|${'-'.repeat(12)}|-------------|--------|----------------|-----------|`);
    console.log(row('Chaperone adapter, steady queues', ours, `${(ours.wallMs / theirs.wallMs).toFixed(2)}x getJobCounts`, '<= 0.55x'));
    console.log(row('bullmq getJobCounts x100 under Promise.all', theirs, '1.00x', ''));
    console.log(row('plain pipeline (LLEN/ZCARD, no oldest age)', pipeline, `${(pipeline.wallMs / theirs.wallMs).toFixed(2)}x getJobCounts`, ''));
    console.log(row('Chaperone adapter, every queue changed', busy.ours, `${(busy.ours.wallMs / busy.theirs.wallMs).toFixed(2)}x getJobCounts`, '<= 0.55x'));
    console.log(row('bullmq getJobCounts (same rounds)', busy.theirs, '1.00x', ''));
    console.log(row('Chaperone adapter, a job added to every queue', added.ours, `${(added.ours.wallMs / added.theirs.wallMs).toFixed(2)}x getJobCounts`, '(none)'));
    console.log(row('bullmq getJobCounts (same rounds)', added.theirs, '1.00x', ''));
    const how = (r: { full: number; events: number; again: number; unchanged: number }) => `${r.events} from events, ${r.again} with the silent states again, ${r.full} full, ${r.unchanged} unchanged`;
    console.log(`queue readings, every queue changed: ${how(progressReadings)}; a job added: ${how(addReadings)} (the silent states: every 5 s per queue)`);

    // Laravel: 1000 queues written in Laravel's layout (payloads as Illuminate 8 pushes them).
    process.stderr.write(`creating ${N_LARAVEL} Laravel queues...\n`);
    const lk = new LaravelKeys();
    const fill = conn.pipeline();
    for (let i = 0; i < N_LARAVEL; i++) {
      const payload = (n: number) => JSON.stringify({ uuid: `u-${i}-${n}`, displayName: 'App\\Jobs\\SendMail', job: 'Illuminate\\Queue\\CallQueuedHandler@call', maxTries: null, data: { commandName: 'App\\Jobs\\SendMail', command: 'O:...' }, id: `j-${i}-${n}`, attempts: 0 });
      fill.rpush(lk.pending(`lq-${i}`), payload(1), payload(2), payload(3));
      fill.zadd(lk.delayed(`lq-${i}`), String(Date.now() / 1000 + 3600), payload(4));
    }
    await fill.exec();
    const laravel = new LaravelAdapter('bench', conn);
    const lrefs = (await laravel.discover(true)).filter((r) => r.name.startsWith('lq-'));
    if (lrefs.length !== N_LARAVEL) throw new Error(`discovered ${lrefs.length} Laravel queues`);
    const lf = await measureInterleaved([conn], {
      ours: () => laravel.counts(lrefs, Date.now()),
      sequential: async () => {
        for (const r of lrefs) {
          await conn.llen(lk.pending(r.name));
          await conn.zcard(lk.delayed(r.name));
          await conn.zcard(lk.reserved(r.name));
        }
      },
      pipeline: async () => {
        const p = conn.pipeline();
        for (const r of lrefs) p.llen(lk.pending(r.name)).zcard(lk.delayed(r.name)).zcard(lk.reserved(r.name));
        return p.exec();
      },
    });
    // Redis-side time of the counts, from the server's own stats, per 100 queues (a call of 100
    // queues, the largest, must stay well under the 5 ms a single command may block Redis).
    await conn.config('RESETSTAT');
    await laravel.counts(lrefs, Date.now());
    // Scripts go as EVALSHA (EVAL only when Redis lacks one): either line holds the calls.
    const evalStat = (await conn.info('commandstats')).split('\n').find((l) => /^cmdstat_evalsha?:/.test(l)) ?? '';
    const scriptCalls = Number(/calls=(\d+)/.exec(evalStat)?.[1] ?? NaN);
    const perCall = (Number(/usec=(\d+)/.exec(evalStat)?.[1] ?? NaN) / 1000) * (100 / lrefs.length);
    console.log('');
    console.log(`| ${'counts of 1000 Laravel queues'.padEnd(44)} | ${'wall'.padStart(10)} | ${'client CPU'.padStart(10)} | round trips | writes | ratio          | target    |`);
    console.log(`|${'-'.repeat(46)}|${'-'.repeat(12)}|${'-'.repeat(12)}|-------------|--------|----------------|-----------|`);
    console.log(row('Chaperone adapter (Lua, 25 then 100 a call)', lf.ours, `${(lf.ours.wallMs / lf.pipeline.wallMs).toFixed(2)}x pipeline`, '<= 10 ms, <= 5 ms CPU, 1 RT'));
    console.log(row('sequential LLEN/ZCARD/ZCARD', lf.sequential, `${(lf.ours.wallMs / lf.sequential.wallMs).toFixed(3)}x (ours/it)`, ''));
    console.log(row('plain pipeline (no oldest age)', lf.pipeline, '1.00x', ''));
    console.log(`Redis time per 100 queues (all ${scriptCalls} script calls' time / ${lrefs.length / 100}): ${perCall.toFixed(2)} ms (a call of 100 must stay under 5 ms)`);
    // Sidekiq, RQ and Celery: 100 queues each, written in their layouts, the adapter's one call
    // against a plain pipeline of the lists' lengths (what a hand-written poller would do).
    const others = await otherSystems(conn);
    for (const o of others) {
      console.log('');
      console.log(`| ${`counts of 100 ${o.system} queues`.padEnd(44)} | ${'wall'.padStart(10)} | ${'client CPU'.padStart(10)} | round trips | writes | ratio          | target    |`);
      console.log(`|${'-'.repeat(46)}|${'-'.repeat(12)}|${'-'.repeat(12)}|-------------|--------|----------------|-----------|`);
      console.log(row(`Chaperone adapter (${o.what})`, o.figures.ours, `${(o.figures.ours.wallMs / o.figures.pipeline.wallMs).toFixed(2)}x pipeline`, ''));
      console.log(row('plain pipeline (LLEN per queue only)', o.figures.pipeline, '1.00x', ''));
    }
    console.log(JSON.stringify({ others: others.map((o) => ({ system: o.system, ...o.figures })), bullmq: { ours, getJobCounts: theirs, pipeline, changing: busy, added }, laravel: lf, laravelScriptMs: perCall }));
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    conn.disconnect();
    own.disconnect();
    await server.stop();
  }
}

async function otherSystems(conn: Redis): Promise<{ system: string; what: string; figures: Record<string, Figure> }[]> {
  const fill = conn.pipeline();
  const now = Date.now() / 1000;
  for (let i = 0; i < 100; i++) {
    const sq = `sq-${i}`;
    fill.sadd('queues', sq);
    for (let j = 0; j < 5; j++) fill.lpush(`queue:${sq}`, JSON.stringify({ class: 'MailJob', args: [j], retry: true, queue: sq, jid: `j${i}x${j}`, created_at: now, enqueued_at: now }));
    const rq = `rq-${i}`;
    fill.sadd('rq:queues', `rq:queue:${rq}`);
    for (let j = 0; j < 5; j++) {
      fill.rpush(`rq:queue:${rq}`, `r${i}x${j}`);
      fill.hset(`rq:job:r${i}x${j}`, { status: 'queued', origin: rq, description: `tasks.send(${j})`, enqueued_at: new Date().toISOString() });
    }
    const cq = `cq-${i}`;
    fill.sadd('_kombu.binding.' + cq, `${cq}\x06\x16\x06\x16${cq}`);
    for (let j = 0; j < 5; j++) fill.lpush(cq, JSON.stringify({ body: 'W10=', 'content-encoding': 'utf-8', 'content-type': 'application/json', headers: { lang: 'py', task: 'tasks.send', id: `c${i}x${j}`, eta: null, retries: 0 }, properties: { delivery_info: { exchange: '', routing_key: cq }, body_encoding: 'base64', priority: 0 } }).replace(/":/g, '": ').replace(/,"/g, ', "'));
  }
  await fill.exec();
  const out: { system: string; what: string; figures: Record<string, Figure> }[] = [];
  const systems: { system: 'sidekiq' | 'rq' | 'celery'; what: string; lists: (name: string) => string[] }[] = [
    { system: 'sidekiq', what: 'Lua + sets in slices', lists: (n) => [`queue:${n}`] },
    { system: 'rq', what: 'Lua, all registries', lists: (n) => [`rq:queue:${n}`] },
    { system: 'celery', what: 'Lua, priorities + ETA', lists: (n) => [n, `${n}\x06\x163`, `${n}\x06\x166`, `${n}\x06\x169`] },
  ];
  for (const s of systems) {
    const adapter = createAdapters({ name: 'bench', url: '', readOnly: false, systems: { [s.system]: s.system === 'sidekiq' ? { namespace: '' } : s.system === 'rq' ? { prefix: 'rq:' } : { prefix: '', queues: [] } } }, conn)[0];
    const refs = (await adapter.discover(true)).filter((r) => /^(sq|rq|cq)-/.test(r.name));
    if (refs.length !== 100) throw new Error(`${s.system}: discovered ${refs.length} queues`);
    const figures = await measureInterleaved([conn], {
      ours: () => adapter.counts(refs, Date.now()),
      pipeline: async () => {
        const p = conn.pipeline();
        for (const r of refs) for (const k of s.lists(r.name)) p.llen(k);
        return p.exec();
      },
    });
    await adapter.close();
    out.push({ system: s.system, what: s.what, figures });
  }
  return out;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
