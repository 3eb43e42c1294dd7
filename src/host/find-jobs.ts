// What "Find Job…" looks for as the user types: a job by its id where the system keys jobs by id
// (BullMQ, RQ, Celery, Horizon), and jobs whose id, name, payload or error hold the text, in the
// busiest queues first (the states that hold jobs at the last tick), a few searches at a time, each
// in bounded slices inside Redis. Bounded: at most MAX_QUEUES queues and MAX_RESULTS jobs per query.
import type { JobState, JobSummary, QueueRef } from '../queues/contract';
import type { QueueService } from '../queues/queue-service';
import type { QueueSignal } from '../core/signals/signals-engine';
import { stateCount } from './views/queue-row';

const MAX_QUEUES = 25;
const MAX_RESULTS = 50;
const PER_STATE = 10;
const IN_FLIGHT = 4;
const STATES: readonly JobState[] = ['failed', 'pending', 'delayed', 'active'];

export interface FoundJob {
  ref: QueueRef;
  /** The job's row; undefined for a job found by its id alone (its state is read when it is opened). */
  job: JobSummary | undefined;
  id: string;
}

export interface FindResult {
  found: FoundJob[];
  /** Queues searched, of those that hold jobs: the user is told when not every queue was. */
  searched: number;
  of: number;
  errors: string[];
}

const countOf = (q: QueueSignal, s: JobState): number => stateCount(q, s) ?? 0;

/** `stale()` says a newer query has started: this one stops taking turns. */
export async function findJobs(service: QueueService, queues: readonly QueueSignal[], text: string, stale: () => boolean = () => false): Promise<FindResult> {
  const found: FoundJob[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  const add = (f: FoundJob) => {
    const k = `${f.ref.connection}/${f.ref.id}#${f.id}`;
    if (seen.has(k) || found.length >= MAX_RESULTS) return;
    seen.add(k);
    found.push(f);
  };
  const t = text.trim();
  if (!t) return { found, searched: 0, of: 0, errors };
  // An id: one lookup per system on each connection.
  if (!/\s/.test(t)) {
    const where = await service.locate(t).catch((err: unknown) => ({ found: [], notAsked: [], errors: [err instanceof Error ? err.message : String(err)] }));
    for (const ref of where.found) add({ ref, job: undefined, id: t });
    errors.push(...where.errors);
  }
  // Each queue's jobs in the states searched, counted once (not in every comparison of the sort).
  const busy = queues.map((q) => ({ q, n: STATES.reduce((n, s) => n + countOf(q, s), 0) })).filter((x) => x.n > 0).sort((a, b) => b.n - a.n).map((x) => x.q);
  const todo = busy.slice(0, MAX_QUEUES).flatMap((q) => STATES.filter((s) => countOf(q, s) > 0).map((s) => ({ q, s })));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length && found.length < MAX_RESULTS && !stale()) {
      const { q, s } = todo[next++];
      try {
        const page = await service.search(q.ref, s, { text: t, limit: PER_STATE });
        for (const job of page.jobs) add({ ref: q.ref, job, id: job.id });
      } catch (err) {
        errors.push(`${q.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { found, searched: Math.min(busy.length, MAX_QUEUES), of: busy.length, errors };
}
