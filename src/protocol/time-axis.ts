// The dashboard's time axis: ticks at a round step chosen for the span shown, labelled at that
// step's resolution (seconds only when the step is under a minute), so no two labels read the same
// at any range. Shared by the webview (charts) and the unit tests.

const STEPS_MS = [1, 2, 5, 10, 15, 30].map((s) => s * 1000)
  .concat([1, 2, 5, 10, 15, 30].map((m) => m * 60_000))
  .concat([1, 2, 3, 6, 12].map((h) => h * 3_600_000))
  .concat([1, 2, 7].map((d) => d * 86_400_000));

/** The smallest round step that puts at most maxTicks ticks on the span. */
export function timeStep(spanMs: number, maxTicks: number): number {
  const want = spanMs / Math.max(1, maxTicks);
  return STEPS_MS.find((s) => s >= want) ?? STEPS_MS[STEPS_MS.length - 1];
}

/** Tick positions: multiples of the step within [min, max] (local midnight-aligned for day steps is not needed at these ranges). */
export function timeTicks(min: number, max: number, maxTicks: number): { step: number; ticks: number[] } {
  if (!(max > min)) return { step: 1000, ticks: Number.isFinite(min) ? [min] : [] };
  const step = timeStep(max - min, maxTicks);
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
  return { step, ticks };
}

/** A tick's label at the step's resolution (24-hour clock: "07:04:30", "07:05", "Dec 2"). */
export function timeLabel(ms: number, stepMs: number): string {
  const d = new Date(ms);
  if (stepMs >= 86_400_000) return d.toLocaleDateString([], { month: 'short', day: 'numeric' });
  const pad = (n: number) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return stepMs < 60_000 ? `${hm}:${pad(d.getSeconds())}` : hm;
}
