// When a queue's failed jobs are read again (the editor's failure diagnostics and the code lenses'
// failure counts): when its failed count moved at a tick; every REREAD_MS while the last read found
// some (so that a group that stops failing clears once its last failure is an hour old); and at the
// next tick when the last read saw a failure newer than the tick's count. That last one is the case
// where a count says nothing: jobs retried (the count drops), failed again, then removed (the count
// is back) between two ticks, with a read in between that saw them failed; the same count at the
// next tick would keep that read's groups until REREAD_MS.

export const REREAD_MS = 60_000;
/**
 * A failure this close before the tick's counts may not be in them (the counts are read first). A
 * worker whose clock runs ahead makes its newest failures look newer than the tick: its queue is read
 * again at each tick for as long as it is ahead, never less often.
 */
export const COUNTS_SLACK_MS = 1_000;

export interface CountedQueue {
  key: string;
  /** The failed count of the tick. */
  failed: number;
}

/** What one read of a queue's failed jobs found. */
export interface FailureRead {
  /** The failed count of the tick that asked for the read, and when that tick counted. */
  failed: number;
  countedAt: number;
  readAt: number;
  /** When each job read failed, where the system says. */
  failedAts: readonly (number | null | undefined)[];
  /** Whether it found what the editor shows (a group, a lens count). */
  found: boolean;
}

export class FailureReadSchedule {
  private readonly last = new Map<string, { failed: number; at: number; found: boolean; settled: boolean }>();

  /** The queues due for a read at this tick, at most `max`, in the tick's order. */
  due<Q extends CountedQueue>(queues: readonly Q[], now: number, max: number): Q[] {
    const out: Q[] = [];
    for (const q of queues) {
      if (out.length >= max) break;
      const r = this.last.get(q.key);
      const due = !r ? q.failed > 0 : !r.settled || r.failed !== q.failed || (r.found && now - r.at >= REREAD_MS);
      if (due) out.push(q);
    }
    return out;
  }

  record(key: string, read: FailureRead): void {
    const since = read.countedAt - COUNTS_SLACK_MS;
    const settled = !read.failedAts.some((at) => typeof at === 'number' && at >= since);
    this.last.set(key, { failed: read.failed, at: read.readAt, found: read.found, settled });
  }

  /** A read that could not be made: the next tick's due() asks again only if the count moves. */
  keep(key: string, failed: number, readAt: number): void {
    const r = this.last.get(key);
    this.last.set(key, { failed, at: readAt, found: r?.found ?? false, settled: r?.settled ?? true });
  }
}
