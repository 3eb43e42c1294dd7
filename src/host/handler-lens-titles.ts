// What a handler's code lens says (no vscode here, so plain mocha tests it): BullMQ's figures per
// queue as the signals know them; for RQ and Laravel (under Horizon) the handler's failed jobs of the
// last hour as the system keeps them; for the rest, why there is no such figure. Every figure is
// qualified ("≥" when more failed than were read) or "unknown" with the reason.
import { showFigure } from '../core/signals/figure';
import type { HandlerSite } from '../core/handlers-in-source';
import type { QueueSignal } from '../core/signals/signals-engine';

const count = (v: number): string => Math.round(v).toLocaleString('en-US');
const ms = (v: number): string => (v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);

/** Why a system has no per-handler figures at all. */
const NOT_KEPT: Record<'sidekiq' | 'celery', string> = {
  sidekiq: 'runs and failures per job class: unknown (Sidekiq counts them per class only in the metrics of Sidekiq 7)',
  celery: 'runs and failures per task: unknown (Celery keeps them only in task events or an extended result backend)',
};

/** Why the runs of one handler are not known where its failures are. */
const RUNS_UNKNOWN: Record<'rq' | 'laravel', string> = {
  rq: 'runs and runtime unknown: RQ counts runs per worker, not per function',
  laravel: 'runs per class unknown: Horizon keeps completed jobs only for its trim.completed',
};

/** A handler's failed jobs of the last hour on each queue of its system that was read. */
export type HandlerFailures =
  | { kept: false; why: string }
  | { kept: true; byQueue: { where: string; count: number; atLeast: boolean }[] };

export interface LensFigures {
  queues: readonly QueueSignal[] | undefined;
  /** The failures of the site's jobs (a candidate site with none of any queue is not shown). */
  failures(site: Extract<HandlerSite, { system: 'rq' | 'laravel' }>): HandlerFailures;
}

const where = (q: QueueSignal): string => (q.connection === 'default' ? q.id : `${q.connection}/${q.id}`);

/** The lens's title, or undefined where the lens is not shown (a candidate no job has named). */
export function lensTitle(site: HandlerSite, figures: LensFigures): string | undefined {
  switch (site.system) {
    case 'bullmq': {
      const q = figures.queues?.find((x) => x.ref.system === 'bullmq' && x.ref.name === site.queue);
      if (!q) return `bullmq:${site.queue} · ${figures.queues ? 'not seen in Redis yet' : 'figures when Chaperone samples'}`;
      const runs = showFigure(q.lastHour.runs, count);
      const failed = showFigure(q.lastHour.failed, count);
      return `${where(q)} · ${runs} runs, ${failed} failed in the last hour · p50 ${showFigure(q.runtimeP50, ms)}, p95 ${showFigure(q.runtimeP95, ms)} (5 min)`;
    }
    case 'sidekiq':
    case 'celery':
      return `${site.system} · ${site.name}: ${NOT_KEPT[site.system]}`;
    case 'rq':
    case 'laravel': {
      const f = figures.failures(site);
      const candidate = site.system === 'rq' || !site.declared;
      const name = site.system === 'rq' ? `${site.module}.${site.name}` : site.name;
      if (!f.kept) return candidate ? undefined : `${site.system} · ${name}: failures per job class unknown (${f.why})`;
      const hit = f.byQueue.filter((q) => q.count > 0);
      if (candidate && hit.length === 0) return undefined;
      if (f.byQueue.length === 0) return `${site.system} · ${name}: failures when Chaperone has read the ${site.system} queues`;
      const total = hit.reduce((a, q) => a + q.count, 0);
      const atLeast = hit.some((q) => q.atLeast) ? '≥' : '';
      const on = hit.length ? ` (${hit.map((q) => `${q.atLeast ? '≥' : ''}${count(q.count)} on ${q.where}`).join(', ')})` : '';
      return `${site.system} · ${name}: ${atLeast}${count(total)} failed in the last hour${on} · ${RUNS_UNKNOWN[site.system]}`;
    }
  }
}
