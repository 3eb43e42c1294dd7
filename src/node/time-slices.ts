// Work over many items (a thousand queues) in turns of the event loop, each turn about `budgetMs`
// long: the editor shares this loop, and a fixed count per turn is too much on a slow or busy
// machine and needlessly many turns on a fast one. Items go in small batches; a turn ends once its
// budget is spent, so no turn runs much past it (one batch at most).
import { TURN_BUDGET_MS } from '../core/turn-budget';

const BATCH = 8;

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

/**
 * Items handed over in parts as they arrive, worked on in the same turns of about `budgetMs`: a
 * turn goes on from one part into the next, so parts that arrive together cost no turn each.
 */
export class TimeSlicedQueue<T> {
  private readonly parts: T[][] = [];
  private at = 0;
  private running: Promise<void> | undefined;
  /** What `run` threw, kept for done(): nothing is left to reject unheard meanwhile. */
  private failed: { err: unknown } | undefined;

  constructor(
    private readonly run: (batch: T[]) => void,
    private readonly budgetMs = TURN_BUDGET_MS,
  ) {}

  push(items: readonly T[]): void {
    if (items.length === 0) return;
    this.parts.push([...items]);
    this.running ??= this.drain();
  }

  /** Resolves once every item pushed so far has been worked on; rejects with what `run` threw. */
  async done(): Promise<void> {
    while (this.running) await this.running;
    if (this.failed) throw this.failed.err;
  }

  private async drain(): Promise<void> {
    try {
      while (this.parts.length) {
        await yieldToLoop();
        const t0 = performance.now();
        do {
          const part = this.parts[0];
          this.run(part.slice(this.at, this.at + BATCH));
          this.at += BATCH;
          if (this.at >= part.length) {
            this.parts.shift();
            this.at = 0;
          }
        } while (this.parts.length && performance.now() - t0 < this.budgetMs);
      }
    } catch (err) {
      this.failed ??= { err };
      this.parts.length = 0;
    } finally {
      this.running = undefined;
    }
  }
}
