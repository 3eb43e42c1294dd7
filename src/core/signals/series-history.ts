// The history of one series at fixed resolutions ("tiers"), each a ring of slots in typed arrays:
// no timestamps are stored (a slot's time follows from its index and the tier's head), no objects
// per sample, and the memory of a series is fixed when it is created.
//
// Default tiers: 1 s for 1 h, 1 min for 24 h, 1 h for 30 d. The 1 s tier keeps the mean of each
// second (min and max arrays appear only if a series is ever sampled faster than 1 Hz); the coarser
// tiers keep min, max and mean with a sample count. 43 KB per series with the defaults.

export interface TierSpec {
  resolutionMs: number;
  slots: number;
}

export const DEFAULT_TIERS: readonly TierSpec[] = [
  { resolutionMs: 1000, slots: 3600 },
  { resolutionMs: 60_000, slots: 1440 },
  { resolutionMs: 3_600_000, slots: 720 },
];

export interface HistoryPoint {
  /** Start of the slot (ms). */
  t: number;
  min: number;
  max: number;
  avg: number;
}

class Tier {
  readonly avg: Float32Array;
  min: Float32Array | undefined;
  max: Float32Array | undefined;
  count: Uint8Array | Uint16Array | undefined;
  /** Absolute slot number (floor(t / resolution)) of the newest slot; -1 before the first sample. */
  head = -1;

  constructor(
    readonly spec: TierSpec,
    /** The finest tier stores means only until a second sample lands in one slot. */
    lazy: boolean,
  ) {
    this.avg = new Float32Array(spec.slots).fill(NaN);
    if (!lazy) this.allocateSpread();
  }

  allocateSpread(): void {
    const n = this.spec.slots;
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

  add(t: number, v: number): void {
    const s = Math.floor(t / this.spec.resolutionMs);
    const n = this.spec.slots;
    if (this.head < 0) this.head = s;
    if (s <= this.head - n) return; // older than this tier keeps
    if (s > this.head) {
      // Clear the slots skipped since the head (a gap stays a gap).
      for (let k = Math.max(this.head + 1, s - n + 1); k <= s; k++) this.clear(k % n);
      this.head = s;
    }
    const i = s % n;
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

  private clear(i: number): void {
    this.avg[i] = NaN;
    if (this.min && this.max && this.count) {
      this.min[i] = NaN;
      this.max[i] = NaN;
      this.count[i] = 0;
    }
  }

  point(s: number): HistoryPoint | undefined {
    if (this.head < 0 || s > this.head || s <= this.head - this.spec.slots) return undefined;
    const i = s % this.spec.slots;
    const avg = this.avg[i];
    if (Number.isNaN(avg)) return undefined;
    return { t: s * this.spec.resolutionMs, avg, min: this.min ? this.min[i] : avg, max: this.max ? this.max[i] : avg };
  }

  bytes(): number {
    return this.avg.byteLength + (this.min?.byteLength ?? 0) + (this.max?.byteLength ?? 0) + (this.count?.byteLength ?? 0);
  }
}

export class SeriesHistory {
  private readonly tiers: Tier[];

  constructor(tiers: readonly TierSpec[] = DEFAULT_TIERS) {
    if (tiers.length === 0) throw new RangeError('at least one tier');
    this.tiers = tiers.map((spec, i) => new Tier(spec, i === 0 && spec.resolutionMs <= 1000));
  }

  /** Adds a sample (ms, value); NaN and infinite values are gaps, not zeros. */
  add(t: number, v: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(v)) return;
    for (const tier of this.tiers) tier.add(t, v);
  }

  /**
   * Points from `from` to `to` (ms) at the finest tier that still reaches back to `from`, empty
   * slots left out; at most `maxPoints`, by taking a coarser tier when the finest has too many.
   */
  range(from: number, to: number, maxPoints = 2000): { resolutionMs: number; points: HistoryPoint[] } {
    const pick = this.tiers.find((tier) => {
      const span = tier.spec.resolutionMs * tier.spec.slots;
      const reaches = tier.head < 0 || (tier.head + 1) * tier.spec.resolutionMs - span <= from;
      return reaches && (to - from) / tier.spec.resolutionMs <= maxPoints;
    }) ?? this.tiers[this.tiers.length - 1];
    const res = pick.spec.resolutionMs;
    const points: HistoryPoint[] = [];
    for (let s = Math.floor(from / res); s <= Math.floor(to / res); s++) {
      const p = pick.point(s);
      if (p) points.push(p);
    }
    return { resolutionMs: res, points };
  }

  /** Bytes held by the typed arrays of this series. */
  bytes(): number {
    return this.tiers.reduce((a, t) => a + t.bytes(), 0);
  }
}
