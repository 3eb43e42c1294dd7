// What a queue's and a system's rows say (pure: no vscode), so the Queues view can tell whether a
// row changed before it re-renders it. Durations are coarse (10 s steps under a minute, then whole
// minutes, then hours), so a row holds still between ticks and its tooltip can open; the tooltip
// itself is built when it is hovered (resolveTreeItem), with every figure, its precision and source.
import { explainFigure, showFigure, type Figure } from '../../core/signals/figure';
import type { QueueSignal, SystemSignal } from '../../core/signals/signals-engine';
import type { JobState } from '../../queues/contract';
import { formatDuration } from '../../core/units';

const ARROW = { rising: '↗', falling: '↘', stable: '→' } as const;

/** A duration as the rows show it: stable across a few ticks. */
export function coarseDuration(ms: number): string {
  if (ms < 1000) return '<1s';
  if (ms < 10_000) return `${Math.floor(ms / 1000)}s`;
  if (ms < 60_000) return `${Math.floor(ms / 10_000) * 10}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h${Math.floor((ms % 3_600_000) / 60_000) ? `${Math.floor((ms % 3_600_000) / 60_000)}m` : ''}`;
  return `${Math.floor(ms / 86_400_000)}d${Math.floor((ms % 86_400_000) / 3_600_000)}h`;
}

/** The step coarseDuration shows a wait in (ms): equal steps read the same. */
function waitStep(ms: number): number {
  if (ms < 10_000) return Math.floor(ms / 1000);
  if (ms < 60_000) return 10 + Math.floor(ms / 10_000);
  return 100 + Math.floor(ms / 60_000);
}

/** True when the two would render the same row (checked with numbers, before any string is built). */
export function sameRow(a: QueueSignal, b: QueueSignal): boolean {
  return a.pending === b.pending && a.active === b.active && a.delayed === b.delayed && a.failed === b.failed && a.paused === b.paused && a.direction === b.direction
    && (a.wait.value === b.wait.value || (a.wait.value !== null && b.wait.value !== null && waitStep(a.wait.value) === waitStep(b.wait.value)));
}

/** A count in at most 4 characters (1234 -> 1.2k), for narrow sidebars. */
export function compactCount(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function perMin(f: Figure): string {
  return showFigure(f, (v) => `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10}/min`);
}

/**
 * The queue row's label: its pending count before its name. A narrow sidebar (170 px) cuts a row
 * from the end, and at that width a queue's name already fills it: the count comes first so that it
 * is never what is cut.
 */
export function queueLabel(q: QueueSignal): string {
  return `${compactCount(q.pending)} ${q.ref.name}`;
}

/**
 * The queue row's description, most important first (a narrow sidebar cuts the end): "pending"
 * (its count leads the label) with its trend arrow, the wait, then active, delayed and failed
 * where there are any.
 */
export function queueDescription(q: QueueSignal): string {
  const parts = [`pending ${ARROW[q.direction]}`];
  if (q.pending > 0 && q.wait.value !== null) parts.push(`wait ${coarseDuration(q.wait.value)}`);
  if (q.active) parts.push(`${compactCount(q.active)} active`);
  if (q.delayed) parts.push(`${compactCount(q.delayed)} delayed`);
  if (q.failed) parts.push(`${compactCount(q.failed)} failed`);
  if (q.paused) parts.push('paused');
  return parts.join(' · ');
}

/** The system row: the sums of its queues at the same tick, and its throughput where it is known. */
export function systemDescription(s: SystemSignal): string {
  // Pending first: a narrow sidebar shows the first few characters of a description.
  const parts = [`${compactCount(s.pending)} pending`, `${s.queues} queue${s.queues === 1 ? '' : 's'}`];
  if (s.throughput.value !== null) parts.push(perMin(s.throughput));
  if (s.failureRate.value !== null && s.failureRate.value > 0) parts.push(`${showFigure(s.failureRate, (v) => `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10}%`)} failed`);
  return parts.join(' · ');
}

const ms = (v: number) => formatDuration(v);
const pct = (v: number) => `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10}%`;
const rate = (v: number) => `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10}/min`;

/** Every figure of a queue for its tooltip: value, precision and source, or why it is unknown. */
export function queueFigureLines(q: QueueSignal): string[] {
  return [
    `pending ${q.pending} (${q.slopePerMin >= 0 ? '+' : ''}${q.slopePerMin.toFixed(1)}/min over the trend window) · active ${q.active} · delayed ${q.delayed} · failed ${q.failed}`,
    `consumers ${q.consumers === null ? 'unknown' : q.consumers}`,
    `wait (oldest pending) ${explainFigure(q.wait, ms)}`,
    `expected wait ${explainFigure(q.expectedWait, ms)}`,
    `throughput ${explainFigure(q.throughput, rate)}`,
    `failure rate ${explainFigure(q.failureRate, pct)}`,
    `runtime p50 ${explainFigure(q.runtimeP50, ms)} · p95 ${showFigure(q.runtimeP95, ms)}`,
    ...(q.drainMs !== undefined ? [`drains in ~${formatDuration(q.drainMs)} at the trend's rate`] : []),
  ];
}

export function systemFigureLines(s: SystemSignal): string[] {
  return [
    `${s.queues} queue(s): pending ${s.pending} · active ${s.active} · delayed ${s.delayed} · failed ${s.failed}`,
    `throughput ${explainFigure(s.throughput, rate)}`,
    `failure rate ${explainFigure(s.failureRate, pct)}`,
    `runtime p50 ${explainFigure(s.runtimeP50, ms)} · p95 ${showFigure(s.runtimeP95, ms)}`,
  ];
}

/** How many jobs a queue's state holds at the last tick, where the counts tell (not completed, …). */
export function stateCount(q: QueueSignal, state: JobState): number | undefined {
  switch (state) {
    case 'pending': return q.pending;
    case 'active': return q.active;
    case 'delayed': return q.delayed;
    case 'failed': return q.failed;
    default: return undefined;
  }
}
