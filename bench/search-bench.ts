// npm run bench:search — a substring search over 100 000 BullMQ jobs and 100 000 Sidekiq jobs
// (written by bullmq's own addBulk and by Sidekiq's own push_bulk), one match each: Chaperone's
// search in slices beside the anchor (read everything in one go, filter in the client), in one run,
// on a private redis-server. Three figures each: the wall time; Redis's own time for it (the load
// it puts on Redis); and the largest single Redis call (Redis's own SLOWLOG), the time every other
// client of that Redis waits behind it. Targets: <= 300 ms, no call over 5 ms.
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { queueRef } from '../src/queues/contract';
import { BullmqAdapter } from '../src/queues/bullmq/bullmq-adapter';
import { SidekiqAdapter } from '../src/queues/sidekiq/sidekiq-adapter';
import { FIXTURES } from '../test/helpers/paths';
import { TestRedis } from '../test/helpers/redis-server';
import { runScript } from '../test/helpers/run-script';

const N = Number(process.env.BENCH_JOBS ?? 100_000);
const NEEDLE = 'needle-7351';
/** A text of letters only, which every value must be lowered to be searched for (no run without letters to look for first). */
const WORD = 'quixotically';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SLOWLOG_US = 500;

type Redis = ReturnType<TestRedis['client']>;

/**
 * Wall time of fn; the longest command Redis ran meanwhile (µs -> ms); and Redis's own time for
 * it all (INFO commandstats): a script's time holds the commands it runs, so where scripts ran
 * their time is the figure, else the sum of the commands (the harness's own are left out).
 */
async function measure(redis: Redis, fn: () => Promise<number>): Promise<{ wallMs: number; maxCallMs: number; redisMs: number; found: number }> {
  await redis.slowlog('RESET');
  await redis.config('RESETSTAT');
  const t0 = performance.now();
  const found = await fn();
  const wallMs = performance.now() - t0;
  const log = (await redis.slowlog('GET', -1)) as [number, number, number, string[]][];
  const maxCallMs = log.filter((e) => !/^(slowlog|config)$/i.test(String(e[3]?.[0]))).reduce((m, e) => Math.max(m, e[2]), 0) / 1000;
  const stats = [...(await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=\d+,usec=(\d+)/gm)].map(([, cmd, us]) => ({ cmd, us: Number(us) }));
  const own = stats.filter((x) => !/^(slowlog|config|info)$/.test(x.cmd));
  const scripts = own.filter((x) => /^(evalsha|eval|script)$/.test(x.cmd));
  const redisMs = (scripts.length ? scripts : own).reduce((sum, x) => sum + x.us, 0) / 1000;
  return { wallMs, maxCallMs, redisMs, found };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const server = await TestRedis.start();
  const redis = server.client();
  try {
    // The jobs, as each system's own client writes them; one of them holds the needle.
    const q = new Queue('search', { connection: { port: server.port } });
    for (let i = 0; i < N; i += 5000) {
      await q.addBulk(Array.from({ length: Math.min(5000, N - i) }, (_, k) => ({ name: 'send', data: { i: i + k, to: `user${i + k}@example.com`, body: 'Hello, this is the body of a fairly typical notification email.', ...(i + k === Math.floor(N * 0.7) ? { note: NEEDLE } : {}), ...(i + k === Math.floor(N * 0.4) ? { word: WORD.toUpperCase() } : {}) } })));
    }
    await q.close();
    await runScript('ruby', path.join(FIXTURES, 'sidekiq', 'producer.rb'), ['search', String(N)], { REDIS_URL: server.url, NOTE: NEEDLE, NOTE_AT: String(Math.floor(N * 0.7)) });
    // Every call of 0.5 ms or more is logged, so the largest call is exact above that ("< 0.5"
    // below). Not 0: Redis then logs every command a script runs too (100 000 per search), which
    // slowed the very scripts measured by ~12 % (and the anchor's HMGETs as much).
    await redis.config('SET', 'slowlog-log-slower-than', String(SLOWLOG_US));
    await redis.config('SET', 'slowlog-max-len', '10000');

    const bull = new BullmqAdapter('default', server.client());
    const sidekiq = new SidekiqAdapter('default', server.client());
    const bq = queueRef('bullmq', 'default', 'search');
    const sq = queueRef('sidekiq', 'default', 'search');
    const contenders: Record<string, () => Promise<number>> = {
      'BullMQ, Chaperone (slices)': async () => (await bull.search(bq, 'pending', { text: NEEDLE, limit: 20 }, Date.now())).jobs.length,
      'BullMQ, Chaperone, a word of letters only': async () => (await bull.search(bq, 'pending', { text: WORD, limit: 20 }, Date.now())).jobs.length,
      'BullMQ, anchor (LRANGE all + HMGET each, filter here)': async () => {
        const ids = await redis.lrange('bull:search:wait', 0, -1);
        const pipe = redis.pipeline();
        for (const id of ids) pipe.hmget(`bull:search:${id}`, 'name', 'data', 'failedReason');
        const rows = (await pipe.exec()) ?? [];
        return rows.filter(([, r]) => (r as (string | null)[]).some((v) => v?.toLowerCase().includes(NEEDLE))).length;
      },
      'Sidekiq, Chaperone (slices)': async () => (await sidekiq.search(sq, 'pending', { text: NEEDLE, limit: 20 }, Date.now())).jobs.length,
      'Sidekiq, anchor (LRANGE all, filter here)': async () => (await redis.lrange('queue:search', 0, -1)).filter((m) => m.toLowerCase().includes(NEEDLE)).length,
    };
    const results: Record<string, { wallMs: number[]; maxCallMs: number[]; redisMs: number[]; found: number }> = {};
    for (let r = 0; r < ROUNDS + 1; r++) {
      for (const [name, fn] of Object.entries(contenders)) {
        const m = await measure(redis, fn);
        if (r === 0) continue; // warm-up: scripts loaded, JIT settled
        const x = (results[name] ??= { wallMs: [], maxCallMs: [], redisMs: [], found: m.found });
        x.wallMs.push(m.wallMs);
        x.maxCallMs.push(m.maxCallMs);
        x.redisMs.push(m.redisMs);
      }
    }
    const f = (x: number): string => x.toFixed(1).padStart(8);
    const callMs = (x: number): string => (x === 0 ? `< ${SLOWLOG_US / 1000}` : x.toFixed(1));
    console.log(`\nSubstring search, ${N} jobs per system, one match each (median of ${ROUNDS} runs, in one run of the bench)`);
    console.log(`  ${'contender'.padEnd(56)}${'wall ms'.padStart(8)}  ${'Redis ms'.padStart(8)}  ${'largest call ms'.padStart(16)}  found`);
    for (const [name, x] of Object.entries(results)) console.log(`  ${name.padEnd(56)}${f(median(x.wallMs))}  ${f(median(x.redisMs))}  ${callMs(median(x.maxCallMs)).padStart(16)}  ${x.found}`);
    for (const sys of ['BullMQ', 'Sidekiq']) {
      const anchor = Object.entries(results).find(([k]) => k.startsWith(`${sys}, anchor`))?.[1];
      for (const [name, ours] of Object.entries(results).filter(([k]) => k.startsWith(`${sys}, Chaperone`))) {
        if (!anchor) continue;
        const wall = median(ours.wallMs);
        const call = Math.max(...ours.maxCallMs);
        console.log(`  ${name}: ${(wall / median(anchor.wallMs)).toFixed(2)}x the anchor's wall time; largest call of ${ROUNDS} runs ${callMs(call)} ms vs ${callMs(median(anchor.maxCallMs))} ms; targets <= 300 ms: ${wall <= 300 ? 'met' : 'MISSED'}, no call > 5 ms: ${call <= 5 ? 'met' : 'MISSED'}`);
      }
    }
    await bull.close();
    await sidekiq.close();
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
