// One conformance suite for every queue adapter, against the real system: a real producer, real
// worker processes, and the system's own view of its counts at each stage.
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { queueRef, type QueueAdapter, type QueueRef } from '../../src/queues/contract';
import { TestRedis } from '../helpers/redis-server';
import { sleep, waitFor } from '../helpers/wait';

export interface ConformanceFixture {
  system: string;
  /** Builds the adapter on the test's Redis. */
  adapter(redis: TestRedis): Promise<QueueAdapter>;
  /** Enqueues jobs the system's own way; returns their ids. */
  produce(queue: string, n: number, opts?: ProduceOptions): Promise<string[]>;
  /** One pending job's payload exactly as the system stores it (what `get` must return as its text). */
  storedPayload(queue: string, id: string): Promise<string | undefined>;
  /**
   * Whether failed (and finished) jobs stay in Redis where the adapter reads them: plain Laravel's
   * go to the database's failed_jobs; Celery keeps them as results only with a result backend.
   */
  keepsFailed: boolean;
  /** The system's own counts, in the contract's keys (those it has); `total` = pending + delayed + active. */
  systemCounts(queue: string): Promise<Record<string, number>>;
  /** Whether the system's payloads tell when a job was enqueued (Laravel 8 does not). */
  jobAges: boolean;
  /** The system's own paused flag. */
  systemPaused(queue: string): Promise<boolean>;
  /** Starts a real worker process on the queue. */
  startWorker(queue: string, jobMs: number): Promise<ChildProcess>;
  /** Ids the workers processed (each one recorded by the worker itself). */
  processed(queue: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface ProduceOptions {
  delayMs?: number;
  fail?: boolean;
  /** The first job carries this text in its payload (`note`). */
  note?: string;
  /** A failure is raised this many calls deep in the worker (a deep stack). */
  depth?: number;
}

/** NOTE / NOTE_AT / DEPTH for the producer scripts of the fixtures. */
export function producerEnv(opts: ProduceOptions): Record<string, string> {
  return { ...(opts.note !== undefined ? { NOTE: opts.note, NOTE_AT: '0' } : {}), ...(opts.depth ? { DEPTH: String(opts.depth) } : {}) };
}

const pickCounts = (c: { pending: number; delayed: number }): [number, number] => [c.pending, c.delayed];

export function queueConformance(makeFixture: (redis: TestRedis) => Promise<ConformanceFixture>): void {
  let redis: TestRedis;
  let fx: ConformanceFixture;
  let adapter: QueueAdapter;
  const workers: ChildProcess[] = [];
  const ref = async (name: string): Promise<QueueRef> => {
    const found = (await adapter.discover(true)).find((q) => q.name === name);
    assert.ok(found, `${name} discovered`);
    return found;
  };
  const same = async (name: string): Promise<void> => {
    // Compare with the system's own view, read right after ours, retrying while jobs move. The
    // queue is addressed directly: an emptied Laravel queue has no keys left to discover.
    const direct = queueRef(adapter.system, adapter.connection, name);
    await waitFor(async () => {
      const [mine] = await adapter.counts([direct], Date.now());
      const theirs = await fx.systemCounts(name);
      const total = mine.counts.pending + mine.counts.delayed + mine.counts.active;
      return Object.entries(theirs).every(([k, v]) => (k === 'total' ? total : mine.counts[k]) === v) ? true : undefined;
    }, `counts of ${name} equal to the system's own`, 10_000, 50);
  };

  before(async () => {
    redis = await TestRedis.start();
    fx = await makeFixture(redis);
    adapter = await fx.adapter(redis);
  });
  after(async () => {
    workers.forEach((w) => w.kill('SIGKILL'));
    await adapter?.close();
    await fx?.close();
    await redis?.stop();
  });

  it('discovers queues and counts pending and delayed jobs as the system does', async () => {
    await fx.produce('conf-a', 5);
    await fx.produce('conf-a', 2, { delayMs: 60_000 });
    const q = await ref('conf-a');
    assert.equal(q.id, `${fx.system}:conf-a`);
    const [c] = await adapter.counts([q], Date.now());
    assert.equal(c.counts.pending, 5);
    assert.equal(c.counts.delayed, 2);
    if (fx.jobAges) assert.ok(c.oldestPendingAgeMs !== null && c.oldestPendingAgeMs >= 0 && c.oldestPendingAgeMs < 60_000);
    else assert.equal(c.oldestPendingAgeMs, null, 'no age rather than a made-up one');
    await same('conf-a');
  });

  it('counts all queues of a connection in one call', async () => {
    for (const n of ['conf-b', 'conf-c']) await fx.produce(n, 3);
    const refs = await adapter.discover(true);
    const all = await adapter.counts(refs, Date.now());
    assert.deepEqual(all.map((c) => c.queue.name).sort(), ['conf-a', 'conf-b', 'conf-c']);
    assert.deepEqual(all.find((c) => c.queue.name === 'conf-b')?.counts.pending, 3);
  });

  it('lists jobs with id, name, attempts, age and a payload preview', async () => {
    const jobs = await adapter.list(await ref('conf-a'), 'pending', 3, Date.now());
    assert.equal(jobs.length, 3);
    for (const j of jobs) {
      assert.ok(j.id && j.name, JSON.stringify(j));
      assert.equal(j.attempts, 0);
      if (fx.jobAges) assert.ok(j.ageMs !== null && j.ageMs >= 0);
      assert.ok(j.preview.length > 0 && j.preview.length <= 160);
    }
  });

  it('pauses and resumes the queue the system\'s own way (or says it cannot)', async () => {
    const q = await ref('conf-b');
    if (!adapter.capabilities.has('pause')) {
      const r = await adapter.pause(q);
      assert.deepEqual([r.ok, r.status], [false, 'refused']);
      assert.ok(r.message.length > 20, 'a reason, not just "no"');
      return;
    }
    assert.equal((await adapter.pause(q)).ok, true);
    assert.equal(await fx.systemPaused('conf-b'), true);
    assert.equal((await adapter.counts([q], Date.now()))[0].paused, true);
    assert.equal((await adapter.resume(q)).ok, true);
    assert.equal(await fx.systemPaused('conf-b'), false);
  });

  it('follows a real worker: active, failed, then retry of a failed job (where the system keeps them)', async () => {
    await fx.produce('conf-d', 2, { fail: true });
    workers.push(await fx.startWorker('conf-d', 50));
    const q = await ref('conf-d');
    if (!adapter.capabilities.has('retry-failed')) {
      await waitFor(async () => (await fx.processed('conf-d')).length === 2, 'both jobs tried by the worker', 20_000);
      await same('conf-d');
      const r = await adapter.retry(q, 'any');
      assert.deepEqual([r.ok, r.status], [false, 'refused']);
      return;
    }
    await waitFor(async () => (await adapter.counts([q], Date.now()))[0].counts.failed === 2, 'two failed jobs', 20_000);
    await same('conf-d');
    const failed = await adapter.list(q, 'failed', 10, Date.now());
    assert.equal(failed.length, 2);
    assert.match(failed[0].failedReason ?? '', /simulated failure/);
    const r = await adapter.retry(q, failed[0].id);
    assert.equal(r.ok, true, r.message);
    await waitFor(async () => (await fx.processed('conf-d')).filter((id) => id === failed[0].id).length === 2, 'the retried job processed again', 20_000);
  });

  it('deletes a failed job the real worker failed (where the system keeps failed jobs)', async () => {
    await fx.produce('conf-del', 2, { fail: true });
    workers.push(await fx.startWorker('conf-del', 20));
    const q = await ref('conf-del');
    // Celery keeps failed tasks only in a result backend, which its prefixed fixture has none of
    // where the prefix says (Celery 5.2's Redis backend takes no key prefix).
    if (adapter.system === 'celery' && !fx.keepsFailed) return;
    if (!adapter.capabilities.has('delete-failed')) {
      const r = adapter.deleteFailed ? await adapter.deleteFailed(q, 'any') : undefined;
      if (r) assert.deepEqual([r.ok, r.status], [false, 'refused']);
      return;
    }
    // Celery counts no failures (it keeps results only): its failed jobs are what the backend lists.
    const failed = await waitFor(async () => {
      const jobs = (await adapter.search(q, 'failed', { text: '', limit: 10 }, Date.now())).jobs;
      return jobs.length === 2 ? jobs : undefined;
    }, 'two failed jobs', 30_000);
    const r = await adapter.deleteFailed?.(q, failed[0].id);
    assert.equal(r?.ok, true, r?.message);
    const left = (await adapter.search(q, 'failed', { text: '', limit: 10 }, Date.now())).jobs.map((j) => j.id);
    assert.deepEqual(left, [failed[1].id], 'only that one is gone');
    const again = await adapter.deleteFailed?.(q, failed[0].id);
    assert.deepEqual([again?.ok, again?.status], [false, 'not-found']);
    await same('conf-del');
  });

  it('replays a failed job as a new job that the real worker runs, the failed one kept (or says it cannot)', async () => {
    await fx.produce('conf-rep', 1, { fail: true });
    workers.push(await fx.startWorker('conf-rep', 20));
    const q = await ref('conf-rep');
    if (!adapter.capabilities.has('replay-failed')) {
      const r = adapter.replay ? await adapter.replay(q, 'any') : undefined;
      if (r) assert.deepEqual([r.ok, r.status], [false, 'refused']);
      return;
    }
    const failedIds = async (): Promise<string[]> => (await adapter.search(q, 'failed', { text: '', limit: 10 }, Date.now())).jobs.map((j) => j.id);
    const [failed] = await waitFor(async () => ((await failedIds()).length === 1 ? failedIds() : undefined), 'the failed job', 30_000);
    const r = await adapter.replay?.(q, failed);
    assert.equal(r?.ok, true, r?.message);
    const copy = /as job (\S+?)[,(\s]/.exec(`${r?.message ?? ''} `)?.[1] ?? '';
    assert.ok(copy && copy !== failed, `a new job: ${r?.message ?? ''}`);
    await waitFor(async () => ((await fx.processed('conf-rep')).includes(copy) ? true : undefined), 'the real worker ran the copy', 30_000);
    // The same payload failed again: the copy is a failed job of its own, beside the one kept.
    await waitFor(async () => ((await failedIds()).length === 2 ? true : undefined), 'the copy failed too', 30_000);
    assert.deepEqual(new Set(await failedIds()), new Set([failed, copy]));
    const missing = await adapter.replay?.(q, 'no-such-job');
    assert.deepEqual([missing?.ok, missing?.status], [false, 'not-found']);
  });

  it('replays a failed job into another queue (a debug worker\'s): it waits there, not on its own queue, until a worker of that queue runs it', async () => {
    if (!adapter.capabilities.has('replay-failed')) return;
    await fx.produce('conf-rep2', 1, { fail: true });
    workers.push(await fx.startWorker('conf-rep2', 20));
    const q = await ref('conf-rep2');
    const ids = async (ref: QueueRef, state: 'failed' | 'pending'): Promise<string[]> => (await adapter.search(ref, state, { text: '', limit: 10 }, Date.now())).jobs.map((j) => j.id);
    const [failed] = await waitFor(async () => ((await ids(q, 'failed')).length === 1 ? ids(q, 'failed') : undefined), 'the failed job', 30_000);
    const r = await adapter.replay?.(q, failed, 'conf-rep2.debug');
    assert.equal(r?.ok, true, r?.message);
    assert.match(r?.message ?? '', / on \w+:conf-rep2\.debug/);
    const copy = /as job (\S+?)[,(\s]/.exec(`${r?.message ?? ''} `)?.[1] ?? '';
    const debug = await ref('conf-rep2.debug');
    await sleep(300); // the running worker of conf-rep2 cannot take it
    assert.deepEqual([await ids(debug, 'pending'), await ids(q, 'pending')], [[copy], []]);
    workers.push(await fx.startWorker('conf-rep2.debug', 20));
    // The worker of the debug queue runs it, and it fails there, on its new queue.
    await waitFor(async () => ((await ids(debug, 'failed')).includes(copy) ? true : undefined), 'the copy failed on the debug queue', 30_000);
    assert.deepEqual(await ids(q, 'failed'), [failed], 'the original stays, alone, on its own queue');
  });

  it('cancel races a real worker: every job ends processed exactly once or cancelled, none lost', async () => {
    const ids = await fx.produce('conf-race', 150);
    const q = await ref('conf-race');
    workers.push(await fx.startWorker('conf-race', 5));
    const cancelled: string[] = [];
    const taken: string[] = [];
    // Cancel every third job, from the back of the queue to the front, while the worker eats it.
    for (const id of ids.filter((_, i) => i % 3 === 0).reverse()) {
      const r = await adapter.cancel(q, id);
      if (r.ok) cancelled.push(id);
      // taken: a worker holds it or finished it; not-found: finished and gone (Laravel keeps no
      // completed jobs). Either way it must show up as processed below.
      else if (r.status === 'taken' || r.status === 'not-found') taken.push(id);
      else assert.fail(`unexpected cancel result for ${id}: ${r.status} ${r.message}`);
      await sleep(2);
    }
    await waitFor(async () => {
      const [c] = await adapter.counts([q], Date.now());
      return c.counts.pending === 0 && c.counts.active === 0;
    }, 'queue drained', 30_000);
    // A job between a worker's pop and its start is in no list (RQ before 1.15): wait until every
    // job is accounted for; a job really lost makes this time out.
    await waitFor(async () => ((await fx.processed('conf-race')).length + cancelled.length >= ids.length ? true : undefined), 'every job processed or cancelled', 15_000).catch(() => undefined);
    const processed = await fx.processed('conf-race');
    assert.equal(new Set(processed).size, processed.length, 'no job processed twice');
    for (const id of cancelled) assert.ok(!processed.includes(id), `cancelled job ${id} was processed`);
    for (const id of taken) assert.ok(processed.includes(id), `job ${id} reported taken but never processed`);
    assert.deepEqual([...processed, ...cancelled].sort(), [...ids].sort(), 'every job processed or cancelled');
    assert.ok(cancelled.length > 0, 'some cancels won the race');
  });

  it('runs a delayed job now: it becomes pending at once (or says it cannot)', async () => {
    const [id] = await fx.produce('conf-late', 1, { delayMs: 3_600_000 });
    const q = await ref('conf-late');
    if (!adapter.capabilities.has('promote-delayed')) {
      const r = await adapter.promote(q, id);
      assert.deepEqual([r.ok, r.status], [false, 'refused']);
      return;
    }
    assert.deepEqual(pickCounts((await adapter.counts([q], Date.now()))[0].counts), [0, 1]);
    const r = await adapter.promote(q, id);
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(pickCounts((await adapter.counts([q], Date.now()))[0].counts), [1, 0]);
    await same('conf-late');
    assert.equal((await adapter.promote(q, id)).status, 'not-found', 'a job that is no longer delayed');
  });

  it('marks a running job failed, saying the handler keeps running (or says it cannot)', async () => {
    const [id] = await fx.produce('conf-mf', 1);
    const q = await ref('conf-mf');
    if (!adapter.capabilities.has('mark-failed-active') || !adapter.markFailed) {
      assert.equal(adapter.markFailed, undefined, 'no method without the capability');
      return;
    }
    assert.equal((await adapter.markFailed(q, id, 'stuck')).status, 'refused', 'a pending job is not "running"');
    workers.push(await fx.startWorker('conf-mf', 3000));
    await waitFor(async () => ((await adapter.counts([q], Date.now()))[0].counts.active === 1 ? true : undefined), 'job running');
    const r = await adapter.markFailed(q, id, 'stuck on a remote call');
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /NOT stopped/);
    const [c] = await adapter.counts([q], Date.now());
    assert.deepEqual([c.counts.active, c.counts.failed], [0, 1]);
    const [failed] = await adapter.list(q, 'failed', 1, Date.now());
    assert.equal(failed.failedReason, 'stuck on a remote call');
    await same('conf-mf');
  });

  it('cleans finished jobs older than a grace period (or says it cannot)', async () => {
    const ids = await fx.produce('conf-cl', 3);
    const q = await ref('conf-cl');
    if (!adapter.capabilities.has('clean') || !adapter.clean) {
      assert.equal(adapter.clean, undefined, 'no method without the capability');
      return;
    }
    workers.push(await fx.startWorker('conf-cl', 10));
    await waitFor(async () => ((await fx.processed('conf-cl')).length === ids.length ? true : undefined), 'all processed');
    const kept = await adapter.clean(q, 'completed', 3_600_000, 100);
    // A system that keeps no finished job (Sidekiq) says so; its failed ones are cleaned in its own suite.
    if (kept.status === 'refused') {
      assert.match(kept.message, /keeps no finished jobs/);
      return;
    }
    assert.match(kept.message, /removed 0 /, 'none is an hour old');
    // Where finished jobs are not counted (Celery's results), they are what the adapter lists.
    const completed = async () => (await adapter.counts([q], Date.now()))[0].counts.completed ?? (await adapter.search(q, 'completed', { text: '', limit: 100 }, Date.now())).jobs.length;
    if (!fx.keepsFailed) return; // no result backend where this fixture's results would be (see keepsFailed)
    await waitFor(async () => ((await completed()) === 3 ? true : undefined), 'all completed');
    const r = await adapter.clean(q, 'completed', 0, 100);
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /removed 3 completed/);
    assert.equal(await completed(), 0);
    await same('conf-cl');
  });

  it('purges pending jobs of its queue only (or says it cannot); a search finds one job by a payload substring', async () => {
    await fx.produce('conf-pa', 5);
    const others = await fx.produce('conf-pb', 3);
    const [a, b] = [await ref('conf-pa'), await ref('conf-pb')];
    // The search first, while both queues are full: one job's id, found among the others' by text.
    const page = await adapter.search(b, 'pending', { text: others[1], limit: 5 }, Date.now());
    assert.ok(page.jobs.some((j) => j.id === others[1]), `${others[1]} found by its id`);
    if (!adapter.capabilities.has('purge') || !adapter.purge) {
      assert.equal(adapter.purge, undefined, 'no method without the capability');
      return;
    }
    const r = await adapter.purge(a);
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /\b5 pending/);
    const [ca, cb] = await adapter.counts([queueRef(adapter.system, adapter.connection, 'conf-pa'), b], Date.now());
    assert.equal(ca.counts.pending, 0);
    assert.equal(cb.counts.pending, 3, 'the other queue is untouched');
    await same('conf-pa');
    await same('conf-pb');
  });

  it('opens a job with a 5 KB payload byte-identical; once a real worker failed it with a deep stack, the whole trace (where the system keeps failed jobs)', async () => {
    // 5 KB of text every payload format keeps as it is (JSON, PHP's JSON, Python's repr).
    const note = Array.from({ length: 320 }, (_, i) => `line ${String(i).padStart(4, '0')} `).join('').slice(0, 5120);
    const depth = 30;
    const [id] = await fx.produce('conf-big', 1, { fail: true, note, depth });
    const q = await ref('conf-big');
    const pending = await adapter.get(q, id);
    assert.ok(pending, 'found while pending');
    assert.equal(pending.payload.text, await fx.storedPayload('conf-big', id), 'the payload exactly as the system stores it');
    assert.ok(pending.payload.text.includes(note), 'the 5 KB whole');
    workers.push(await fx.startWorker('conf-big', 5));
    await waitFor(async () => ((await fx.processed('conf-big')).includes(id) ? true : undefined), 'the worker ran it', 30_000);
    if (!fx.keepsFailed) {
      // The system keeps nothing of it once failed: not found, never a made-up page.
      await waitFor(async () => ((await adapter.get(q, id)) === undefined ? true : undefined), 'gone once failed', 20_000, 100);
      return;
    }
    const failed = await waitFor(async () => {
      const d = await adapter.get(q, id);
      return d?.error ? d : undefined;
    }, 'the failure recorded', 30_000, 100);
    assert.ok(failed.payload.text.includes(note), 'the 5 KB whole, after the failure');
    assert.match(failed.error?.message ?? '', /simulated failure/);
    // Every one of the 30 recursive calls is in the trace (a trace cut at its first lines would not
    // be whole): a frame line in Node, Ruby, PHP or Python, and Python's own "[Previous line
    // repeated N more times]" for the frames it folds.
    const lines = (failed.error?.stack ?? '').split('\n');
    const frames = lines.filter((l) => /at descend \(|in `descend'|->descend\(|, in descend$/.test(l.trim())).length
      + lines.reduce((n, l) => n + Number(/\[Previous line repeated (\d+) more times\]/.exec(l)?.[1] ?? 0), 0);
    assert.ok(frames >= depth, `${frames} frames of descend in the trace, ${depth} expected`);
  });

  it('reports a missing job honestly', async () => {
    const r = await adapter.cancel(await ref('conf-a'), 'no-such-job-id');
    assert.deepEqual([r.ok, r.status], [false, 'not-found']);
  });
}
