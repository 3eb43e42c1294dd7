// A figure as every surface shows it: its value with where it comes from and how exact it is, or
// "unknown" with the reason. Views, the dashboard, `check`, `trends` and Prometheus all take these,
// so no surface can show a guess as a fact, or 0 where the system keeps nothing.

export type Precision = 'exact' | 'sampled' | 'estimate' | 'lower-bound';

export type Figure =
  | { value: number; precision: Precision; /** The system's own record it is read from. */ source: string; /** What qualifies it (sample size, a gap). */ note?: string }
  | { value: null; precision: 'unknown'; /** Why it cannot be known here. */ source: string };

export function known(value: number, precision: Precision, source: string, note?: string): Figure {
  return note === undefined ? { value, precision, source } : { value, precision, source, note };
}

export function unknown(why: string): Figure {
  return { value: null, precision: 'unknown', source: why };
}

/** The value, or undefined when unknown (for sums that must leave unknowns out, and say so). */
export function valueOf(f: Figure): number | undefined {
  return f.value === null ? undefined : f.value;
}

/** "≥" for a lower bound, "~" for an estimate or a sample, nothing for an exact figure. */
export function qualifier(f: Figure): string {
  switch (f.precision) {
    case 'lower-bound':
      return '≥';
    case 'estimate':
    case 'sampled':
      return '~';
    default:
      return '';
  }
}

/** The figure as text ("unknown" when it is), with its qualifier; `fmt` formats the value. */
export function showFigure(f: Figure, fmt: (v: number) => string): string {
  return f.value === null ? 'unknown' : `${qualifier(f)}${fmt(f.value)}`;
}

/** One line for tooltips and reports: the value, its precision and its source. */
export function explainFigure(f: Figure, fmt: (v: number) => string): string {
  if (f.value === null) return `unknown: ${f.source}`;
  return `${qualifier(f)}${fmt(f.value)} (${f.precision}, ${f.source}${f.note ? `; ${f.note}` : ''})`;
}

/** The sum of figures: exact only when every part is; unknown parts make it a lower bound. */
export function sumFigures(parts: readonly Figure[], source: string): Figure {
  const knownParts = parts.filter((p): p is Extract<Figure, { value: number }> => p.value !== null);
  if (knownParts.length === 0) return unknown(parts.length ? parts[0].source : source);
  const total = knownParts.reduce((a, p) => a + p.value, 0);
  const missing = parts.length - knownParts.length;
  if (missing > 0) return known(total, 'lower-bound', source, `${missing} of ${parts.length} unknown`);
  const worst = knownParts.some((p) => p.precision === 'lower-bound') ? 'lower-bound' : knownParts.some((p) => p.precision === 'estimate') ? 'estimate' : knownParts.some((p) => p.precision === 'sampled') ? 'sampled' : 'exact';
  return known(total, worst, source);
}
