// What a handler's code lens says (no vscode here, so plain mocha tests it): BullMQ's figures per
// queue as the signals know them, qualified; for the other systems, why there is no such figure.
import { showFigure } from '../core/signals/figure';
import type { HandlerSite } from '../core/handlers-in-source';
import type { QueueSignal } from '../core/signals/signals-engine';

const count = (v: number): string => Math.round(v).toLocaleString('en-US');
const ms = (v: number): string => (v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);

/** Why a system has no per-handler figures. */
const NOT_KEPT: Record<Exclude<HandlerSite['system'], 'bullmq'>, string> = {
  sidekiq: 'runs and failures per job class: unknown (Sidekiq counts them per class only in the metrics of Sidekiq 7)',
  laravel: 'runs and failures per job class: unknown (plain Laravel keeps nothing finished in Redis; Horizon\'s metrics would)',
  celery: 'runs and failures per task: unknown (Celery keeps them only in task events or an extended result backend)',
};

export function lensTitle(site: HandlerSite, queues: readonly QueueSignal[] | undefined): string {
  if (site.system !== 'bullmq') return `${site.system} · ${site.name}: ${NOT_KEPT[site.system]}`;
  const q = queues?.find((x) => x.ref.system === 'bullmq' && x.ref.name === site.queue);
  if (!q) return `bullmq:${site.queue} · ${queues ? 'not seen in Redis yet' : 'figures when Chaperone samples'}`;
  const runs = showFigure(q.lastHour.runs, count);
  const failed = showFigure(q.lastHour.failed, count);
  const p50 = showFigure(q.runtimeP50, ms);
  const p95 = showFigure(q.runtimeP95, ms);
  const where = q.connection === 'default' ? q.id : `${q.connection}/${q.id}`;
  return `${where} · ${runs} runs, ${failed} failed in the last hour · p50 ${p50}, p95 ${p95} (5 min)`;
}


