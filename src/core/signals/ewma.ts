// Exponentially weighted moving averages for irregular sampling: the weight of the past decays with
// elapsed time (time constant tau), not with the number of samples.

/** The EWMA of a level (a gauge such as depth or CPU). */
export class Ewma {
  private value = NaN;
  private at = NaN;
  /** The weight of the last interval, reused while samples keep the same spacing (1 Hz ticks). */
  private lastDt = NaN;
  private lastAlpha = 0;

  constructor(readonly tauMs: number) {
    if (!(tauMs > 0)) throw new RangeError(`tauMs must be > 0, got ${tauMs}`);
  }

  add(t: number, y: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(y)) return;
    if (Number.isNaN(this.value)) {
      this.value = y;
      this.at = t;
      return;
    }
    if (t <= this.at) return;
    const dt = t - this.at;
    if (dt !== this.lastDt) {
      this.lastDt = dt;
      this.lastAlpha = 1 - Math.exp(-dt / this.tauMs);
    }
    const alpha = this.lastAlpha;
    this.value += alpha * (y - this.value);
    this.at = t;
  }

  get(): number | undefined {
    return Number.isNaN(this.value) ? undefined : this.value;
  }
}

/**
 * The EWMA of a rate (per second) from a monotonic counter (processed, completed). A counter that
 * goes down was reset or trimmed: that interval is skipped rather than read as a negative rate.
 */
export class EwmaRate {
  private readonly ewma: Ewma;
  private lastT = NaN;
  private lastCount = NaN;

  constructor(tauMs: number) {
    this.ewma = new Ewma(tauMs);
  }

  add(t: number, count: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(count)) return;
    if (!Number.isNaN(this.lastT) && t > this.lastT && count >= this.lastCount) {
      this.ewma.add(t, ((count - this.lastCount) * 1000) / (t - this.lastT));
    }
    if (Number.isNaN(this.lastT) || t > this.lastT) {
      this.lastT = t;
      this.lastCount = count;
    }
  }

  /** Per second. */
  get(): number | undefined {
    return this.ewma.get();
  }
}
