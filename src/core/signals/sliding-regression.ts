// Streaming least-squares line over a sliding time window, O(1) per sample: means and co-moments
// are updated Welford-style on add and on remove (no raw sums, so no catastrophic cancellation).
// Times are kept as seconds from the first sample, so epoch-millisecond timestamps lose nothing.
// Removing samples lets rounding error creep in; the moments are recomputed from the window after
// every `capacity` removals, which keeps the cost amortized O(1).

import { freeLanes, takeLane, type LaneBlock } from './lane-blocks';

/**
 * The line at a moment. A class, not an object literal: a tick makes one per queue and keeps it for
 * a tick, and V8 moves literals made that way to the old generation (see QueueSignalOf).
 */
export class RegressionResult {
  constructor(
    /** Samples in the window. */
    readonly n: number,
    /** Change per second. */
    readonly slope: number,
    /** Value of the line at `at` (the newest sample's time). */
    readonly level: number,
    /** Share of the variance the line explains, 0..1 (1 for a constant series: a flat line fits exactly). */
    readonly r2: number,
    readonly mean: number,
    /** Sample standard deviation of the values (0 with fewer than two samples). */
    readonly stddev: number,
    /** Time (ms) of the newest sample. */
    readonly at: number,
    /** The newest value. */
    readonly last: number,
  ) {}
}

export class SlidingRegression {
  /**
   * Sample i's time at base + i * stride and its value just after: a sample added and the oldest
   * one dropped touch one place each, not two. A tick adds to a thousand of these, and memory, not
   * arithmetic, is what that costs; lines made by one RegressionPool lie side by side, so lines
   * sampled at the same ticks write the same few cache lines.
   */
  private readonly xy: Float64Array;
  private readonly base: number;
  private readonly stride: number;
  private head = 0; // index of the oldest sample
  private size = 0;
  private origin = NaN; // ms of the first sample ever: x = (t - origin) / 1000
  private mx = 0;
  private my = 0;
  private cxx = 0;
  private cxy = 0;
  private cyy = 0;
  private removals = 0;

  /** windowMs: how far back samples count; capacity: at most this many samples are kept; lane: its place in a pool's block. */
  constructor(
    readonly windowMs: number,
    readonly capacity = 600,
    /** @internal a RegressionPool's block and this line's lane in it */
    readonly lane?: { block: RegressionBlock; index: number; lanes: number },
  ) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`capacity must be an integer >= 2, got ${capacity}`);
    this.xy = lane?.block.buffer ?? new Float64Array(2 * capacity);
    this.base = 2 * (lane?.index ?? 0);
    this.stride = 2 * (lane?.lanes ?? 1);
  }

  /** Where sample slot i (0..capacity-1) keeps its time; its value is at the next index. */
  private at(i: number): number {
    return this.base + (i % this.capacity) * this.stride;
  }

  get length(): number {
    return this.size;
  }

  /** Adds a sample at time `t` (ms). NaN/infinite values and samples older than the newest are ignored (gaps stay gaps). */
  add(t: number, y: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(y)) return;
    if (Number.isNaN(this.origin)) this.origin = t;
    const x = (t - this.origin) / 1000;
    if (this.size > 0 && x < this.xy[this.at(this.head + this.size - 1)]) return;
    this.expire(t);
    if (this.size === this.capacity) this.removeOldest();
    const at = this.at(this.head + this.size);
    this.xy[at] = x;
    this.xy[at + 1] = y;
    this.size++;
    const n = this.size;
    const dx = x - this.mx;
    this.mx += dx / n;
    const dy = y - this.my;
    this.my += dy / n;
    this.cxx += dx * (x - this.mx);
    this.cxy += dx * (y - this.my);
    this.cyy += dy * (y - this.my);
  }

  /** Drops samples older than the window, as of `now` (ms). */
  expire(now: number): void {
    if (Number.isNaN(this.origin)) return;
    const cutoff = (now - this.windowMs - this.origin) / 1000;
    while (this.size > 0 && this.xy[this.at(this.head)] < cutoff) this.removeOldest();
  }

  result(): RegressionResult | undefined {
    if (this.size === 0) return undefined;
    const n = this.size;
    const lastAt = this.at(this.head + n - 1);
    const lastX = this.xy[lastAt];
    // A slope needs spread in time; otherwise the best line is flat.
    const slope = n >= 2 && this.cxx > 1e-12 * Math.max(1, this.mx * this.mx) ? this.cxy / this.cxx : 0;
    const varY = Math.max(0, this.cyy);
    const r2 = n < 2 ? 0 : varY <= 1e-12 * Math.max(1, this.my * this.my) ? 1 : Math.min(1, Math.max(0, (this.cxy * this.cxy) / (this.cxx * varY)));
    const level = this.my + slope * (lastX - this.mx);
    const stddev = n >= 2 ? Math.sqrt(varY / (n - 1)) : 0;
    return new RegressionResult(n, slope, level, slope === 0 && varY > 0 ? 0 : r2, this.my, stddev, this.origin + lastX * 1000, this.xy[lastAt + 1]);
  }

  /** The values in the window, oldest first (for quantiles, on demand only). */
  values(): number[] {
    const out: number[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.xy[this.at(this.head + i) + 1];
    return out;
  }

  private removeOldest(): void {
    const oldest = this.at(this.head);
    const x = this.xy[oldest];
    const y = this.xy[oldest + 1];
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    if (this.size === 0) {
      this.mx = this.my = this.cxx = this.cxy = this.cyy = 0;
      return;
    }
    const n = this.size;
    const dx = x - this.mx;
    this.mx -= dx / n;
    const dy = y - this.my;
    this.my -= dy / n;
    this.cxx -= dx * (x - this.mx);
    this.cxy -= dx * (y - this.my);
    this.cyy -= dy * (y - this.my);
    if (++this.removals >= this.capacity) this.recompute();
  }

  /** Exact moments from the samples in the window (two passes). */
  private recompute(): void {
    this.removals = 0;
    const n = this.size;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      const at = this.at(this.head + i);
      sx += this.xy[at];
      sy += this.xy[at + 1];
    }
    this.mx = sx / n;
    this.my = sy / n;
    this.cxx = this.cxy = this.cyy = 0;
    for (let i = 0; i < n; i++) {
      const at = this.at(this.head + i);
      const dx = this.xy[at] - this.mx;
      const dy = this.xy[at + 1] - this.my;
      this.cxx += dx * dx;
      this.cxy += dx * dy;
      this.cyy += dy * dy;
    }
  }
}

/** Lines per block of a RegressionPool. */
const REGRESSION_LANES = 16;

/**
 * Makes lines whose samples lie side by side in blocks of 16 (slot i of every lane together), as
 * SeriesPool does for histories: a thousand queues sampled at the same ticks then write a few
 * hundred cache lines a tick rather than thousands. A released line's lane goes to the next one made.
 */
/** @internal a block of a RegressionPool: the samples of its lanes, side by side. */
export interface RegressionBlock extends LaneBlock {
  readonly buffer: Float64Array;
}

export class RegressionPool {
  private readonly blocks: RegressionBlock[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly capacity = 600,
  ) {}

  create(): SlidingRegression {
    const { block, lane } = takeLane(this.blocks, () => ({ buffer: new Float64Array(2 * this.capacity * REGRESSION_LANES), free: freeLanes(REGRESSION_LANES) }));
    return new SlidingRegression(this.windowMs, this.capacity, { block, index: lane, lanes: REGRESSION_LANES });
  }

  /** Takes a line back: its lane goes to the next line made (which overwrites its samples as it adds its own). */
  release(line: SlidingRegression): void {
    const lane = line.lane;
    if (lane && !lane.block.free.includes(lane.index)) lane.block.free.push(lane.index);
  }
}
