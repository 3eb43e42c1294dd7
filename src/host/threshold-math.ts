// What a raised threshold becomes: round numbers and durations a person would write (pure; unit-tested).

/** 1, 2, 2.5, 5 x 10^n: thresholds people would write themselves. */
export function niceAbove(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function durationText(ms: number): string {
  if (ms >= 3_600_000) return `${Math.ceil(ms / 3_600_000)}h`;
  if (ms >= 60_000) return `${Math.ceil(ms / 60_000)}m`;
  return `${Math.ceil(ms / 1000)}s`;
}
