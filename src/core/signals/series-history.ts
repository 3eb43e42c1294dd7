// The history of one series at fixed resolutions ("tiers"), each a ring of slots in typed arrays:
// no timestamps are stored (a slot's time follows from its index and the tier's head), no objects
// per sample, and the memory of a series is fixed when it is created.
//
// Default tiers: 1 s for 1 h, 1 min for 24 h, 1 h for 30 d. The 1 s tier keeps the mean of each
// second (min and max arrays appear only if a series is ever sampled faster than 1 Hz); the coarser
// tiers keep min, max and mean with a sample count, their newest slot open (in a small array of
// sums) until it is complete. 43 KB per series with the defaults.
//
// Series made by one SeriesPool share blocks: their slots lie side by side ("lanes"), so the same
// second of 16 series is one run of memory. A tick that adds a sample to a thousand series then
// writes a few hundred cache lines rather than thousands scattered over 43 MB, which made adding
// samples the largest part of a signals tick.

import { freeLanes, takeLane } from './lane-blocks';

export interface TierSpec {
  resolutionMs: number;
  slots: number;
}

export const DEFAULT_TIERS: readonly TierSpec[] = [
  { resolutionMs: 1000, slots: 3600 },
  { resolutionMs: 60_000, slots: 1440 },
  { resolutionMs: 3_600_000, slots: 720 },
];

/** Series per block of a pool. */
export const LANES = 16;

/** An open slot's fields: sum, count, min, max. */
const OPEN_FIELDS = 4;

export interface HistoryPoint {
  /** Start of the slot (ms). */
  t: number;
  min: number;
  max: number;
  avg: number;
}

/** One tier of a block: slot i of lane l at i * lanes + l. */
class Tier {
  readonly avg: Float32Array;
  min: Float32Array | undefined;
  max: Float32Array | undefined;
  count: Uint8Array | Uint16Array | undefined;
  /** Per lane, the absolute slot number (floor(t / resolution)) of its newest slot; -1 before its first sample. */
  readonly head: Float64Array;
  /**
   * Each lane's newest slot while it fills (sum, count, min, max), written to the slot's arrays
   * once, when a later slot's first sample arrives. A tick adding a sample to a thousand series
   * then writes this one small array per block of a coarse tier, rather than a place in each of its
   * avg, min, max and count arrays, pages apart (those four writes per tier were most of what
   * adding to a history cost a signals tick). The finest tier has none: a value a second, written
   * as it comes.
   */
  private readonly open: Float64Array | undefined;

  constructor(
    readonly spec: TierSpec,
    readonly lanes: number,
    /** The finest tier stores means only until a second sample lands in one slot. */
    lazy: boolean,
  ) {
    this.avg = new Float32Array(spec.slots * lanes).fill(NaN);
    this.head = new Float64Array(lanes).fill(-1);
    this.open = lazy ? undefined : new Float64Array(lanes * OPEN_FIELDS);
    if (!lazy) this.allocateSpread();
  }

  allocateSpread(): void {
    const n = this.avg.length;
    this.min = new Float32Array(n).fill(NaN);
    this.max = new Float32Array(n).fill(NaN);
    // Counts up to 255 per slot for minutes (a faster-than-4 Hz series saturates: the mean then
    // weighs the newest samples a little more); up to 65535 for hours.
    this.count = this.spec.resolutionMs <= 60_000 ? new Uint8Array(n) : new Uint16Array(n);
    // Fold what the lazy slots held: one sample each.
    for (let i = 0; i < n; i++) {
      if (!Number.isNaN(this.avg[i])) {
        this.min[i] = this.max[i] = this.avg[i];
        this.count[i] = 1;
      }
    }
  }

  add(lane: number, t: number, v: number): void {
    const s = Math.floor(t / this.spec.resolutionMs);
    const n = this.spec.slots;
    const head = this.head[lane];
    if (head >= 0 && s <= head - n) return; // older than this tier keeps
    const open = this.open;
    const o = lane * OPEN_FIELDS;
    if (head < 0 || s > head) {
      if (open && head >= 0) this.close(lane);
      // Clear the slots skipped since the head (a gap stays a gap).
      for (let k = head < 0 ? s : Math.max(head + 1, s - n + 1); k <= s; k++) this.clear(lane, k % n);
      this.head[lane] = s;
      if (open) {
        open[o] = v;
        open[o + 1] = 1;
        open[o + 2] = v;
        open[o + 3] = v;
        return;
      }
    } else if (open && s === head) {
      open[o] += v;
      open[o + 1]++;
      if (v < open[o + 2]) open[o + 2] = v;
      if (v > open[o + 3]) open[o + 3] = v;
      return;
    }
    // The finest tier's slot, or an older slot of a coarse tier (a sample out of order).
    const i = (s % n) * this.lanes + lane;
    const old = this.avg[i];
    if (Number.isNaN(old)) {
      this.avg[i] = v;
      if (this.count && this.min && this.max) {
        this.min[i] = this.max[i] = v;
        this.count[i] = 1;
      }
      return;
    }
    if (!this.count) this.allocateSpread();
    const count = this.count as Uint8Array | Uint16Array;
    const min = this.min as Float32Array;
    const max = this.max as Float32Array;
    const c = Math.min(count[i] + 1, count instanceof Uint8Array ? 255 : 65535);
    count[i] = c;
    this.avg[i] = old + (v - old) / c;
    if (v < min[i]) min[i] = v;
    if (v > max[i]) max[i] = v;
  }

  /** Writes a lane's open slot (its head) to the slot's arrays: the mean of its samples, their min, max and count. */
  private close(lane: number): void {
    const open = this.open as Float64Array;
    const o = lane * OPEN_FIELDS;
    const c = open[o + 1];
    if (c === 0) return;
    const count = this.count as Uint8Array | Uint16Array;
    const i = (this.head[lane] % this.spec.slots) * this.lanes + lane;
    this.avg[i] = open[o] / c;
    (this.min as Float32Array)[i] = open[o + 2];
    (this.max as Float32Array)[i] = open[o + 3];
    count[i] = Math.min(c, count instanceof Uint8Array ? 255 : 65535);
    open[o + 1] = 0;
  }

  /** Forgets a lane (its series was released): every slot empty, no head. */
  reset(lane: number): void {
    for (let k = 0; k < this.spec.slots; k++) this.clear(lane, k);
    this.head[lane] = -1;
    if (this.open) this.open[lane * OPEN_FIELDS + 1] = 0;
  }

  private clear(lane: number, slot: number): void {
    const i = slot * this.lanes + lane;
    this.avg[i] = NaN;
    if (this.min && this.max && this.count) {
      this.min[i] = NaN;
      this.max[i] = NaN;
      this.count[i] = 0;
    }
  }

  point(lane: number, s: number): HistoryPoint | undefined {
    const head = this.head[lane];
    if (head < 0 || s > head || s <= head - this.spec.slots) return undefined;
    const open = this.open;
    if (open && s === head) {
      // The slot still filling, as it will be stored (float32).
      const o = lane * OPEN_FIELDS;
      const c = open[o + 1];
      return c === 0 ? undefined : { t: s * this.spec.resolutionMs, avg: Math.fround(open[o] / c), min: Math.fround(open[o + 2]), max: Math.fround(open[o + 3]) };
    }
    const i = (s % this.spec.slots) * this.lanes + lane;
    const avg = this.avg[i];
    if (Number.isNaN(avg)) return undefined;
    return { t: s * this.spec.resolutionMs, avg, min: this.min ? this.min[i] : avg, max: this.max ? this.max[i] : avg };
  }

  /** Bytes a lane holds of this tier's typed arrays. */
  laneBytes(): number {
    const slots = this.spec.slots;
    return (this.avg.BYTES_PER_ELEMENT + (this.min ? 4 : 0) + (this.max ? 4 : 0) + (this.count?.BYTES_PER_ELEMENT ?? 0)) * slots + (this.open ? OPEN_FIELDS * 8 : 0);
  }
}

/** Some series side by side: each tier's slots lane by lane. */
class Block {
  readonly tiers: Tier[];
  readonly free: number[];

  constructor(specs: readonly TierSpec[], readonly lanes: number) {
    this.tiers = specs.map((spec, i) => new Tier(spec, lanes, i === 0 && spec.resolutionMs <= 1000));
    this.free = freeLanes(lanes);
  }
}

export class SeriesHistory {
  /** A series of its own (one lane); a pool makes series that share blocks. */
  constructor(tiers?: readonly TierSpec[]);
  constructor(tiers: readonly TierSpec[], block: Block, lane: number);
  constructor(
    tiers: readonly TierSpec[] = DEFAULT_TIERS,
    private readonly block: Block = newBlock(tiers, 1),
    /** @internal its lane in the block */
    readonly lane = block.free.pop() ?? 0,
  ) {}

  /** Adds a sample (ms, value); NaN and infinite values are gaps, not zeros. */
  add(t: number, v: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(v)) return;
    for (const tier of this.block.tiers) tier.add(this.lane, t, v);
  }

  /**
   * Points from `from` to `to` (ms) at the finest tier that still reaches back to `from`, empty
   * slots left out; at most `maxPoints`, by taking a coarser tier when the finest has too many.
   */
  range(from: number, to: number, maxPoints = 2000): { resolutionMs: number; points: HistoryPoint[] } {
    const tiers = this.block.tiers;
    const pick = tiers.find((tier) => {
      const span = tier.spec.resolutionMs * tier.spec.slots;
      const head = tier.head[this.lane];
      const reaches = head < 0 || (head + 1) * tier.spec.resolutionMs - span <= from;
      return reaches && (to - from) / tier.spec.resolutionMs <= maxPoints;
    }) ?? tiers[tiers.length - 1];
    const res = pick.spec.resolutionMs;
    const points: HistoryPoint[] = [];
    for (let s = Math.floor(from / res); s <= Math.floor(to / res); s++) {
      const p = pick.point(this.lane, s);
      if (p) points.push(p);
    }
    return { resolutionMs: res, points };
  }

  /** Bytes held by the typed arrays of this series (its share of its block's). */
  bytes(): number {
    return this.block.tiers.reduce((a, t) => a + t.laneBytes(), 0);
  }

  /** @internal a pool takes its lane back */
  release(): void {
    for (const t of this.block.tiers) t.reset(this.lane);
    this.block.free.push(this.lane);
  }
}

function newBlock(tiers: readonly TierSpec[], lanes: number): Block {
  if (tiers.length === 0) throw new RangeError('at least one tier');
  return new Block(tiers, lanes);
}

/**
 * Makes series whose slots lie side by side in blocks of LANES series; a released series' lane is
 * used again by the next one made.
 */
export class SeriesPool {
  private readonly blocks: Block[] = [];

  constructor(
    private readonly tiers: readonly TierSpec[] = DEFAULT_TIERS,
    private readonly lanes = LANES,
  ) {}

  create(): SeriesHistory {
    const { block, lane } = takeLane(this.blocks, () => newBlock(this.tiers, this.lanes));
    return new SeriesHistory(this.tiers, block, lane);
  }

  /** Takes a series back: it is emptied, and its lane goes to the next series made. */
  release(series: SeriesHistory): void {
    series.release();
  }
}
