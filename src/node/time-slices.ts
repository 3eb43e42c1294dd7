// Work over many items (a thousand queues) in turns of the event loop, each turn about `budgetMs`
// long: the editor shares this loop, and a fixed count per turn is too much on a slow or busy
// machine and needlessly many turns on a fast one. Items go in small batches; a turn ends once its
// budget is spent, so no turn runs much past it (one batch at most).

const BATCH = 8;
export const TURN_BUDGET_MS = 1;

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Calls `run` on consecutive batches of `items`, yielding to the loop before each turn. `stale`
 * stops it between batches (a newer pass has begun). Resolves false when stopped.
 */
export async function inTimeSlices<T>(items: readonly T[], run: (batch: T[]) => void, opts: { budgetMs?: number; stale?: () => boolean; firstTurnNow?: boolean } = {}): Promise<boolean> {
  const budget = opts.budgetMs ?? TURN_BUDGET_MS;
  let i = 0;
  let first = true;
  while (i < items.length) {
    if (!(first && opts.firstTurnNow)) await yieldToLoop();
    first = false;
    if (opts.stale?.()) return false;
    const t0 = performance.now();
    do {
      run(items.slice(i, i + BATCH));
      i += BATCH;
    } while (i < items.length && performance.now() - t0 < budget);
  }
  return true;
}
