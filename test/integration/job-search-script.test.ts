// JOB_SEARCH_LUA reads a slice of id members and their fields in one SORT_RO where Redis allows
// it, and with an HMGET per id where it does not (Redis before 7.0, a cluster slot): both ways must
// give the same matches, in the same order, with the same scores and fields, as reading every job
// here and filtering. Jobs written and run by bullmq itself (a real Worker), in a list (wait), a
// sorted set read from the lowest score (delayed) and from the highest (completed, failed).
import { strict as assert } from 'node:assert';
import { Queue, Worker } from 'bullmq';
import { asciiLower, searchSources, type SearchHit, type SearchSource } from '../../src/queues/job-search';
import { TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';

type IdSource = Extract<SearchSource, { members: 'id' }>;
const FIELDS = ['name', 'data', 'failedReason', 'timestamp', 'attemptsMade'] as const;
const MATCHED = 3;

describe('the job search script: one SORT_RO per slice, or an HMGET per id, with the same answers', function () {
  this.timeout(120_000);
  let withSort: TestRedis;
  let withoutSort: TestRedis;

  /** bullmq's own jobs on one server: 1200 waiting, 200 delayed, 300 run by a worker (a third fail). */
  async function fill(server: TestRedis): Promise<void> {
    const connection = { port: server.port };
    const q = new Queue('mix', { connection });
    const worker = new Worker('mix', async (job) => {
      if ((job.data as { i: number }).i % 3 === 0) throw new Error(`SMTP 550 Mailbox user${String((job.data as { i: number }).i)}@Example.com UNAVAILABLE`);
      return 'ok';
    }, { connection, concurrency: 20 });
    try {
      await q.addBulk(Array.from({ length: 300 }, (_, i) => ({ name: i % 2 ? 'Send-Mail' : 'resize', data: { i, to: `user${i}@Example.com` } })));
      await waitFor(async () => (await q.getCompletedCount()) + (await q.getFailedCount()) === 300, 'the worker has run all 300', 60_000);
      await worker.close();
      await q.addBulk(Array.from({ length: 1200 }, (_, i) => ({ name: i % 2 ? 'Send-Mail' : 'resize', data: { i: 1000 + i, to: `user${1000 + i}@Example.com`, body: i === 777 ? 'The NEEDLE-7351 is here' : 'Hello' } })));
      await q.addBulk(Array.from({ length: 200 }, (_, i) => ({ name: 'later', data: { i: 5000 + i }, opts: { delay: 60_000 + i * 1000 } })));
    } finally {
      await worker.close();
      await q.close();
    }
  }

  before(async () => {
    withSort = await TestRedis.start();
    withoutSort = await TestRedis.start(['--rename-command', 'SORT_RO', '']);
    await Promise.all([fill(withSort), fill(withoutSort)]);
  });
  after(async () => {
    await Promise.all([withSort?.stop(), withoutSort?.stop()]);
  });

  const source = (part: string, kind: 'list' | 'zset', order: 'fwd' | 'rev'): IdSource => ({ key: `bull:mix:${part}`, kind, order, members: 'id', hashPrefix: 'bull:mix:', fields: FIELDS, matched: MATCHED });
  const sources = { wait: source('wait', 'list', 'fwd'), delayed: source('delayed', 'zset', 'fwd'), completed: source('completed', 'zset', 'rev'), failed: source('failed', 'zset', 'rev') };

  /** Every job of the source, read here, in the source's order, kept when it matches. */
  async function expected(server: TestRedis, s: IdSource, text: string): Promise<SearchHit[]> {
    const redis = server.client();
    try {
      let members: string[];
      const scores = new Map<string, number>();
      if (s.kind === 'list') members = await redis.lrange(s.key, 0, -1);
      else {
        const flat = s.order === 'fwd' ? await redis.zrange(s.key, 0, '-1', 'WITHSCORES') : await redis.zrevrange(s.key, 0, '-1', 'WITHSCORES');
        members = flat.filter((_, i) => i % 2 === 0);
        members.forEach((m, i) => scores.set(m, Number(flat[2 * i + 1])));
      }
      const needle = asciiLower(text);
      const out: SearchHit[] = [];
      for (const m of members) {
        const values = await redis.hmget(s.hashPrefix + m, ...s.fields);
        if (needle && ![m, ...values.slice(0, s.matched)].some((v) => v !== null && asciiLower(v).includes(needle))) continue;
        out.push({ member: m, score: scores.get(m) ?? null, fields: Object.fromEntries(s.fields.map((f, k) => [f, values[k] ?? ''])) });
      }
      return out;
    } finally {
      redis.disconnect();
    }
  }

  /** The script's matches, page after page of `limit` through the whole source. */
  async function searched(server: TestRedis, s: SearchSource, text: string, limit: number): Promise<SearchHit[]> {
    const redis = server.client();
    try {
      const hits: SearchHit[] = [];
      let cursor: string | undefined;
      do {
        const page = await searchSources(redis, [s], { text, limit, cursor }, (hit) => {
          hits.push(hit);
          return { id: hit.member, name: '', state: 'pending', attempts: 0, ageMs: null, preview: '' };
        });
        assert.ok(page.jobs.length <= limit);
        cursor = page.cursor ?? undefined;
      } while (cursor);
      return hits;
    } finally {
      redis.disconnect();
    }
  }

  it('Redis refuses SORT_RO on one server only (so both ways are run below)', async () => {
    const a = withSort.client();
    const b = withoutSort.client();
    try {
      assert.ok(Array.isArray(await a.call('SORT_RO', 'bull:mix:wait', 'BY', 'nosort', 'LIMIT', '0', '1')));
      await assert.rejects(b.call('SORT_RO', 'bull:mix:wait', 'BY', 'nosort', 'LIMIT', '0', '1'), /unknown command/i);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  const cases: [keyof typeof sources, string, number][] = [
    ['wait', 'needle-7351', 5], // one job, by a text with letters and digits, in another case
    ['wait', 'SEND-MAIL', 250], // half of them, by name: letters and a dash
    ['wait', 'hello', 400], // letters only: every value is lowered
    ['wait', '', 500], // every job
    ['wait', '104', 30], // digits in ids and data
    ['delayed', 'LATER', 70],
    ['delayed', '', 1000],
    ['completed', 'resize', 40],
    ['failed', 'mailbox USER2', 7], // by the error bullmq stored
    ['failed', '', 1000],
  ];
  for (const [state, text, limit] of cases) {
    it(`${state}, "${text}" in pages of ${limit}: the same hits as reading every job, both ways`, async () => {
      const s = sources[state];
      for (const server of [withSort, withoutSort]) {
        const want = await expected(server, s, text);
        assert.ok(want.length > 0, 'the case matches something');
        assert.deepEqual(await searched(server, s, text, limit), want);
      }
    });
  }

  it('with SORT_RO, a slice of ids is read in one call: an HMGET only for a match', async () => {
    const redis = withSort.client();
    try {
      await redis.config('RESETSTAT');
      const page = await searchSources(redis, [sources.wait], { text: 'needle-7351', limit: 1 }, (hit) => ({ id: hit.member, name: '', state: 'pending', attempts: 0, ageMs: null, preview: '' }));
      assert.equal(page.jobs.length, 1);
      const stats = await redis.info('commandstats');
      const calls = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      // The slices of 300 up to the match's, and the one read ahead of it (none ahead of the first).
      const at = (await redis.lrange(sources.wait.key, 0, -1)).indexOf(page.jobs[0].id);
      const upTo = Math.floor(at / 300) + 1;
      assert.equal(calls('sort_ro'), upTo + (upTo > 1 && upTo * 300 < 1200 ? 1 : 0));
      assert.equal(calls('hmget'), 1, 'the rest of the one match');
    } finally {
      redis.disconnect();
    }
  });
});
