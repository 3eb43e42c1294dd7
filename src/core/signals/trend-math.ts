// Pure readings of a regression result: direction, forecasts, time to drain or to cross a
// threshold, and anomaly scores.
import type { RegressionResult } from './sliding-regression';

export type Direction = 'rising' | 'falling' | 'stable';

/**
 * Rising / falling when the line moves more than `tolerance` (a share of the mean level, 1 % by
 * default, with an absolute floor of 1) over `horizonMs`, and the line explains at least `minR2`
 * of the variance.
 */
export function direction(r: RegressionResult, opts: { horizonMs?: number; tolerance?: number; floor?: number; minR2?: number } = {}): Direction {
  const horizonS = (opts.horizonMs ?? 60_000) / 1000;
  const band = Math.max(opts.floor ?? 1, Math.abs(r.mean) * (opts.tolerance ?? 0.01));
  if (r.n < 3 || r.r2 < (opts.minR2 ?? 0.3)) return 'stable';
  const move = r.slope * horizonS;
  return move > band ? 'rising' : move < -band ? 'falling' : 'stable';
}

/** The line's value `aheadMs` after the newest sample. */
export function forecast(r: RegressionResult, aheadMs: number): number {
  return r.level + (r.slope * aheadMs) / 1000;
}

/** Milliseconds until the line reaches 0 while falling; undefined when it does not fall. */
export function timeToDrain(r: RegressionResult): number | undefined {
  if (!(r.slope < 0)) return undefined;
  return r.level <= 0 ? 0 : (r.level / -r.slope) * 1000;
}

/** Milliseconds until the line reaches `threshold` while rising; 0 if already there; undefined otherwise. */
export function timeToCross(r: RegressionResult, threshold: number): number | undefined {
  if (r.level >= threshold) return 0;
  if (!(r.slope > 0)) return undefined;
  return ((threshold - r.level) / r.slope) * 1000;
}

/** How many standard deviations `value` lies from the window's mean (0 when the series is flat). */
export function zScore(r: RegressionResult, value = r.last): number {
  return r.stddev > 0 ? (value - r.mean) / r.stddev : 0;
}

/** Quantile q (0..1) by linear interpolation between order statistics (type 7, as R and NumPy). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Tukey's IQR score: 0 inside [Q1, Q3], else the distance beyond the nearer quartile in IQRs
 * (> 1.5 is Tukey's outlier fence). O(n log n) on the window, computed on demand only.
 */
export function iqrScore(values: readonly number[], value: number): number {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 4) return 0;
  const s = [...finite].sort((a, b) => a - b);
  const q1 = quantile(s, 0.25);
  const q3 = quantile(s, 0.75);
  const iqr = q3 - q1;
  if (value >= q1 && value <= q3) return 0;
  const beyond = value > q3 ? value - q3 : q1 - value;
  return iqr > 0 ? beyond / iqr : beyond > 0 ? Infinity : 0;
}
