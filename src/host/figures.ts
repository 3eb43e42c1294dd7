// The sums every surface shows (status bar, dashboard, trees), written once (pure: no vscode).
import { sumFigures, type Figure } from '../core/signals/figure';

interface WorkerFigures {
  state: string;
  cpu?: number | null;
  memoryBytes?: number | null;
}

export function pendingTotal(queues: readonly { pending: number }[]): number {
  return queues.reduce((n, q) => n + q.pending, 0);
}

/**
 * The pending jobs of the last tick as every surface shows them: undefined before the first tick;
 * with connections that could not be read, a lower bound, or unknown (null) when nothing was read.
 * Never a 0 that is not one.
 */
export function queuedTotal(queues: readonly { pending: number }[] | undefined, unread: readonly string[]): { value: number | null; lowerBound: boolean } | undefined {
  if (!queues) return undefined;
  const n = pendingTotal(queues);
  if (unread.length === 0) return { value: n, lowerBound: false };
  return n === 0 ? { value: null, lowerBound: false } : { value: n, lowerBound: true };
}

/** Finished jobs per minute of every system (a system's own figure, or the sum of its queues'): unknown parts leave a lower bound. */
export function throughputTotal(systems: readonly { throughput: Figure }[]): Figure {
  return sumFigures(systems.map((s) => s.throughput), 'every system');
}

/** CPU % summed over a pool's workers. */
export function cpuTotal(workers: readonly WorkerFigures[]): number {
  return workers.reduce((n, w) => n + (w.cpu ?? 0), 0);
}

export function memoryTotal(workers: readonly WorkerFigures[]): number {
  return workers.reduce((n, w) => n + (w.memoryBytes ?? 0), 0);
}
