// A pool's CPU or memory, summed over its workers, as the views, the dashboard and the engine's
// history all take it: a running worker the supervisor has not sampled yet (just started, or
// restarted) makes the sum a lower bound, and a pool none of whose running workers is sampled has
// an unknown figure. Never the 0 that a missing sample would add up to.
import { known, sumFigures, unknown, type Figure } from './figure';

interface UsageOf {
  state: string;
  cpu?: number | null;
  memoryBytes?: number | null;
}

const SOURCE = "the supervisor's last sample of each worker";

export function poolUsage(workers: readonly UsageOf[], what: 'cpu' | 'memoryBytes'): Figure {
  const parts: Figure[] = [];
  for (const w of workers) {
    const v = w[what];
    // A worker that is not running counts only with a sample of its own (one stopping still uses some).
    // Exact: what the last sample measured, shown as the worker's own row shows it (no "~").
    if (v !== null && v !== undefined) parts.push(known(v, 'exact', SOURCE));
    else if (w.state === 'running') parts.push(unknown('a running worker has no sample yet'));
  }
  return parts.length ? sumFigures(parts, SOURCE) : known(0, 'exact', 'no worker runs');
}

/** The figure as a point of a chart or a history: only a whole one (a partial sum is a gap, not a point). */
export function usagePoint(f: Figure): number | undefined {
  return f.value !== null && f.precision !== 'lower-bound' ? f.value : undefined;
}
