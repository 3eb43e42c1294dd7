// The failed tasks the Redis result backend holds, per queue: what `chaperone queues` counts and
// `jobs --state failed` lists, from the same index so the two agree. Celery keeps no failed list;
// each result is a key `celery-task-meta-<id>` (with its queue under result_extended) that expires
// after result_expires. The index is built by a SCAN pass (never KEYS; in slices of SCAN_COUNT,
// each GET + PTTL pipelined) and kept current between passes by the backend itself: its `_set`
// PUBLISHes every result on the key's own channel, which the control's listener follows.
import type Redis from 'ioredis';
import { SCAN_COUNT } from '../redis-client';
import type { CeleryKeys } from './celery-keys';

/** A full pass again after this long (it catches results forgotten or expired elsewhere). */
export const RESULTS_PASS_MS = 60_000;

export interface FailedResult {
  queue: string;
  /** When the backend lets the result expire (ms since the epoch); null: no expiry, or not read yet. */
  expiresAt: number | null;
}

interface ResultRecord {
  status?: string;
  queue?: string;
}

export class CeleryResults {
  private failed = new Map<string, FailedResult>();
  /** Updates that arrived while a pass ran: they are newer than what the pass read. */
  private dirty: Map<string, FailedResult | null> | undefined;
  private passAt = 0;
  private pass: Promise<void> | undefined;
  private passed = false;
  /** Results whose record names no queue (result_extended off): they cannot be placed. */
  unplaced = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: CeleryKeys,
  ) {}

  /** The failed results per queue at `now`: after the first pass (awaited once), from the index. */
  async failedByQueue(now: number): Promise<Map<string, string[]>> {
    if (!this.passed) await this.refresh(now);
    else if (now - this.passAt >= RESULTS_PASS_MS) void this.refresh(now).catch(() => undefined);
    const out = new Map<string, string[]>();
    for (const [id, r] of this.failed) {
      if (r.expiresAt !== null && r.expiresAt <= now) continue;
      const ids = out.get(r.queue);
      if (ids) ids.push(id);
      else out.set(r.queue, [id]);
    }
    return out;
  }

  /** A result the backend published (its channel is its key): a failure is indexed, anything else is not a failure. */
  onPublished(channel: string, raw: string): void {
    const prefix = this.keys.result('');
    if (!channel.startsWith(prefix)) return;
    const id = channel.slice(prefix.length);
    // Its expiry is the backend's result_expires, read at the next pass; until then, the last one seen.
    this.apply(id, parse(raw), this.failed.get(id)?.expiresAt ?? null);
  }

  /** A result deleted here (forget): gone from the index at once. */
  forget(id: string): void {
    this.failed.delete(id);
    this.dirty?.set(id, null);
  }

  private apply(id: string, r: ResultRecord | null, expiresAt: number | null): void {
    const entry = r?.status === 'FAILURE' && r.queue ? { queue: r.queue, expiresAt } : null;
    if (entry) this.failed.set(id, entry);
    else this.failed.delete(id);
    this.dirty?.set(id, entry);
  }

  /** One pass over the backend's keys; concurrent callers share it. */
  refresh(now: number): Promise<void> {
    this.pass ??= this.scan(now).finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  private async scan(now: number): Promise<void> {
    const found = new Map<string, FailedResult>();
    let unplaced = 0;
    this.dirty = new Map();
    const prefix = this.keys.result('');
    try {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.resultPattern(), 'COUNT', SCAN_COUNT);
        cursor = next;
        if (keys.length === 0) continue;
        const pipe = this.redis.pipeline();
        for (const k of keys) pipe.get(k).pttl(k);
        const res = (await pipe.exec()) ?? [];
        keys.forEach((k, i) => {
          const r = parse(res[2 * i]?.[1] as string | null);
          const ttl = Number(res[2 * i + 1]?.[1]);
          if (r?.status !== 'FAILURE') return;
          if (!r.queue) unplaced++;
          else found.set(k.slice(prefix.length), { queue: r.queue, expiresAt: ttl > 0 ? now + ttl : null });
        });
      } while (cursor !== '0');
      for (const [id, e] of this.dirty) {
        if (e) found.set(id, { ...e, expiresAt: found.get(id)?.expiresAt ?? e.expiresAt });
        else found.delete(id);
      }
      this.failed = found;
      this.unplaced = unplaced;
      this.passAt = now;
      this.passed = true;
    } finally {
      this.dirty = undefined;
    }
  }
}

/**
 * Deletes a queue's results of one status (SUCCESS or FAILURE) done at or before `cutoff`, at most
 * `limit`: a SCAN pass in slices, each slice's values read in one pipeline, then deleted as
 * AsyncResult.forget() does (DEL of the key). Results that name no queue are not touched.
 */
export async function deleteOldResults(redis: Redis, keys: CeleryKeys, queue: string, status: 'SUCCESS' | 'FAILURE', cutoff: number, limit: number): Promise<string[]> {
  const prefix = keys.result('');
  const gone: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.resultPattern(), 'COUNT', SCAN_COUNT);
    cursor = next;
    if (found.length === 0) continue;
    const values = await redis.mget(...found);
    const old = found.filter((_, i) => {
      const r = parse(values[i]) as (ResultRecord & { date_done?: string }) | null;
      if (r?.status !== status || r.queue !== queue || !r.date_done) return false;
      // Celery writes naive UTC ISO times.
      const done = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(r.date_done) ? r.date_done : `${r.date_done}Z`);
      return Number.isFinite(done) && done <= cutoff;
    }).slice(0, limit - gone.length);
    if (old.length) await redis.del(...old);
    gone.push(...old.map((k) => k.slice(prefix.length)));
  } while (cursor !== '0' && gone.length < limit);
  return gone;
}

function parse(raw: string | null | undefined): ResultRecord | null {
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as unknown;
    return r && typeof r === 'object' ? (r as ResultRecord) : null;
  } catch {
    return null;
  }
}
