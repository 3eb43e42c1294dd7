// What Horizon recorded as finished since the last reading, per queue:
// - completed: the `throughput` of the queue's metrics hash (LuaScripts::updateMetrics adds 1 per
//   completed job; horizon:snapshot forgets the hash every few minutes, so a drop means it started
//   again from 0);
// - failed: the failed_jobs entries newer than the newest seen (scored -failed_at, newest first),
//   each with its job hash's queue;
// - runtimes: completed_at - reserved_at of the completed_jobs entries newer than the newest seen.
import type { FlowReading } from '../../core/signals/flow';
import type { QueueRef } from '../contract';
import type { RedisClient } from '../redis-client';
import type { HorizonKeys } from './horizon-keys';

export const HORIZON_FLOW_SOURCE = 'Horizon metrics and failed jobs';
/** At most this many new failed / completed entries are read per reading (the rest next time). */
const MAX_NEW = 1000;
const MAX_RUNTIMES = 200;

export class HorizonFlow {
  private throughput = new Map<string, number>();
  /** Newest failed_at / completed_at seen (as Horizon's score, -microtime). */
  private failedCursor: string | undefined;
  private completedCursor: string | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: HorizonKeys,
  ) {}

  async read(queues: readonly QueueRef[]): Promise<FlowReading[]> {
    const pipe = this.redis.pipeline();
    for (const q of queues) pipe.hget(this.keys.queueMetrics(q.name), 'throughput');
    // The first reading takes only the newest entry of each set (the cursor); later ones what is newer.
    const newer = (key: string, cursor: string | undefined) => pipe.zrangebyscore(key, '-inf', cursor === undefined ? '+inf' : `(${cursor}`, 'WITHSCORES', 'LIMIT', 0, cursor === undefined ? 1 : MAX_NEW);
    newer(this.keys.jobs('failed_jobs'), this.failedCursor);
    newer(this.keys.jobs('completed_jobs'), this.completedCursor);
    pipe.zcount(this.keys.jobs('failed_jobs'), '-inf', this.failedCursor === undefined ? '-inf' : `(${this.failedCursor}`);
    const res = (await pipe.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    const value = (i: number) => res[i][1];
    const failedRows = value(queues.length) as string[];
    const completedRows = value(queues.length + 1) as string[];
    const baseline = this.failedCursor === undefined;
    // More new failures than one reading takes: the split by queue covers the newest only.
    const overflow = !baseline && Number(value(queues.length + 2)) > failedRows.length / 2;
    // Newest first in the set: the first entry (lowest score) is the newest.
    if (failedRows.length) this.failedCursor = failedRows[1];
    else this.failedCursor ??= '0';
    if (completedRows.length) this.completedCursor = completedRows[1];
    else this.completedCursor ??= '0';
    const details = this.redis.pipeline();
    const failedIds = baseline ? [] : ids(failedRows);
    const completedIds = baseline ? [] : ids(completedRows).slice(0, MAX_RUNTIMES);
    for (const id of failedIds) details.hget(this.keys.job(id), 'queue');
    for (const id of completedIds) details.hmget(this.keys.job(id), 'queue', 'reserved_at', 'completed_at');
    const rows = failedIds.length + completedIds.length ? ((await details.exec()) ?? []).map(([, r]) => r) : [];
    const failedBy = new Map<string, number>();
    for (const r of rows.slice(0, failedIds.length)) if (typeof r === 'string') failedBy.set(r, (failedBy.get(r) ?? 0) + 1);
    const runtimesBy = new Map<string, number[]>();
    for (const r of rows.slice(failedIds.length) as (string | null)[][]) {
      const [queue, reserved, completed] = r;
      const ms = (Number(completed) - Number(reserved)) * 1000;
      if (queue && Number.isFinite(ms) && ms >= 0 && reserved && completed) runtimesBy.set(queue, [...(runtimesBy.get(queue) ?? []), ms]);
    }
    return queues.map((ref, i): FlowReading => {
      const scope = { kind: 'queue' as const, ref };
      const now = Number(value(i) ?? 0) || 0;
      const prev = this.throughput.get(ref.name);
      this.throughput.set(ref.name, now);
      if (prev === undefined || baseline) return { scope, source: HORIZON_FLOW_SOURCE, kind: 'baseline' };
      // horizon:snapshot forgot the hash since: it counts again from 0.
      const completed = now >= prev ? now - prev : now;
      return { scope, source: HORIZON_FLOW_SOURCE, kind: 'delta', counts: { completed, failed: failedBy.get(ref.name) ?? 0, runtimesMs: runtimesBy.get(ref.name) ?? [], ...(overflow ? { lost: null } : {}) } };
    });
  }
}

function ids(withScores: string[]): string[] {
  return withScores.filter((_, i) => i % 2 === 0);
}
