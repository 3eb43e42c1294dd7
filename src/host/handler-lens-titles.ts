// What a handler's code lens says (no vscode here, so plain mocha tests it): BullMQ's figures per
// queue as the signals know them; for the others, the handler's failed jobs of the last hour as the
// system keeps them (RQ's failed registry, Horizon's failed jobs, Sidekiq's retry and dead sets,
// Celery's extended results), or why it keeps none. Every figure is qualified ("≥" when more failed
// than were read, or where the system forgets a failure that was retried) or "unknown" with the reason.
import { queueLabel } from '../core/queue-ref';
import { showFigure } from '../core/signals/figure';
import type { HandlerSite, NamedHandler } from '../core/handlers-in-source';
import type { QueueSignal } from '../core/signals/signals-engine';

const count = (v: number): string => Math.round(v).toLocaleString('en-US');
const ms = (v: number): string => (v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);

/** Why the runs of one handler are not known where its failures are. */
const RUNS_UNKNOWN: Record<NamedHandler['system'], string> = {
  rq: 'runs and runtime unknown: RQ counts runs per worker, not per function',
  laravel: 'runs per class unknown: Horizon keeps completed jobs only for its trim.completed',
  sidekiq: 'runs per class unknown: Sidekiq counts them per class only in the metrics of Sidekiq 7',
  celery: 'runs per task unknown: Celery counts them only in task events',
};

/** A handler's failed jobs of the last hour on each queue of its system that was read. */
export type HandlerFailures =
  | { kept: false; why: string }
  | { kept: true; byQueue: { where: string; count: number; atLeast: boolean }[]; /** What qualifies every count (Sidekiq: a retry that succeeded leaves no trace). */ note?: string };

export interface LensFigures {
  queues: readonly QueueSignal[] | undefined;
  /** The failures of the site's jobs (a candidate site with none of any queue is not shown). */
  failures(site: NamedHandler): HandlerFailures;
}

/** "tasks.send" for a Python function, the class for the others. */
function handlerName(site: NamedHandler): string {
  return site.system === 'rq' || site.system === 'celery' ? `${site.module}.${site.name}` : site.name;
}

/** A site only the queue system's own job names can confirm (an RQ function, a plain class with handle()). */
function isCandidate(site: NamedHandler): boolean {
  return site.system === 'rq' || (site.system === 'laravel' && !site.declared);
}

/** The lens's title, or undefined where the lens is not shown (a candidate no job has named). */
export function lensTitle(site: HandlerSite, figures: LensFigures): string | undefined {
  switch (site.system) {
    case 'bullmq': {
      const q = figures.queues?.find((x) => x.ref.system === 'bullmq' && x.ref.name === site.queue);
      if (!q) return `bullmq:${site.queue} · ${figures.queues ? 'not seen in Redis yet' : 'figures when Chaperone samples'}`;
      const runs = showFigure(q.lastHour.runs, count);
      const failed = showFigure(q.lastHour.failed, count);
      return `${queueLabel(q)} · ${runs} runs, ${failed} failed in the last hour · p50 ${showFigure(q.runtimeP50, ms)}, p95 ${showFigure(q.runtimeP95, ms)} (5 min)`;
    }
    default: {
      const f = figures.failures(site);
      const name = handlerName(site);
      if (!f.kept) return isCandidate(site) ? undefined : `${site.system} · ${name}: failures unknown (${f.why})`;
      const hit = f.byQueue.filter((q) => q.count > 0);
      if (isCandidate(site) && hit.length === 0) return undefined;
      if (f.byQueue.length === 0) return `${site.system} · ${name}: failures when Chaperone has read the ${site.system} queues`;
      const total = hit.reduce((a, q) => a + q.count, 0);
      if (total === 0 && f.note) return `${site.system} · ${name}: no failed job from the last hour kept (${f.note}) · ${RUNS_UNKNOWN[site.system]}`;
      const atLeast = hit.some((q) => q.atLeast) ? '≥' : '';
      const on = hit.length ? ` (${hit.map((q) => `${q.atLeast ? '≥' : ''}${count(q.count)} on ${q.where}`).join(', ')}${f.note ? `; ${f.note}` : ''})` : '';
      return `${site.system} · ${name}: ${atLeast}${count(total)} failed in the last hour${on} · ${RUNS_UNKNOWN[site.system]}`;
    }
  }
}
