// The sums every surface shows (status bar, dashboard, trees), written once (pure: no vscode).
import { sumFigures, type Figure } from '../core/signals/figure';
import { poolUsage } from '../core/signals/pool-usage';

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
export function cpuTotal(workers: readonly WorkerFigures[]): Figure {
  return poolUsage(workers, 'cpu');
}

/** Memory in bytes summed over a pool's workers (see poolUsage). */
export function memoryTotal(workers: readonly WorkerFigures[]): Figure {
  return poolUsage(workers, 'memoryBytes');
}

/**
 * The `n` deepest queues (ties by key), in one pass: a queue that does not beat the last of them
 * costs one comparison. Sorting a thousand queues for the few that are drawn took a millisecond of
 * the editor's loop at every tick.
 */
export function deepestQueues<Q extends { pending: number; key: string }>(qs: readonly Q[], n: number): Q[] {
  const top: Q[] = [];
  if (n <= 0) return top;
  for (const q of qs) {
    if (top.length === n && deeper(q, top[n - 1]) >= 0) continue;
    let i = top.length;
    while (i > 0 && deeper(q, top[i - 1]) < 0) i--;
    top.splice(i, 0, q);
    if (top.length > n) top.pop();
  }
  return top;
}

/** Deeper first, ties by key (ordinal: a collation costs a microsecond a comparison). */
function deeper(a: { pending: number; key: string }, b: { pending: number; key: string }): number {
  return b.pending - a.pending || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
