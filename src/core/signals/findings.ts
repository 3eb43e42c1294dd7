// A finding: a breached rule with its numbers, its subject, and where in chaperone.json the rule
// (or the pool it concerns) is written, so the editor can put it on that line.
import type { Severity, SeverityOrOff } from '../config/signals-config';
import type { SourceRange } from '../config/source-range';
import { worse, type Level } from './hysteresis';

export type SubjectKind = 'queue' | 'pool' | 'worker' | 'host' | 'tenant';

export interface Finding {
  /** Stable: subject + metric. */
  key: string;
  severity: Severity;
  subject: { kind: SubjectKind; id: string };
  metric: string;
  value: number;
  /** The level breached. */
  limit: number;
  message: string;
  /** The rule's place in chaperone.json (absent for built-in defaults). */
  range?: SourceRange;
  /** More places: the pool a worker belongs to, the pool serving a queue. */
  related?: { message: string; range: SourceRange }[];
  /** A rule the user did not write (host CPU and load, zero consumers, the noisy-neighbour share). */
  builtIn: boolean;
  /** When it became active (ms). */
  since: number;
}

/** A built-in rule's finding turns the status bar only after this long, and then as a warning at most. */
export const BUILT_IN_SUSTAINED_MS = 5 * 60_000;

/**
 * The findings that turn the status bar and the dashboard's health: every finding of a rule the
 * user wrote; a built-in rule's only once it has held for BUILT_IN_SUSTAINED_MS, capped at warning.
 * The others are informational (listed, never alarming).
 */
export function alerting(findings: readonly Finding[], now: number): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    if (!f.builtIn) out.push(f);
    else if (now - f.since >= BUILT_IN_SUSTAINED_MS) out.push(f.severity === 'warning' ? f : { ...f, severity: 'warning' });
  }
  return out;
}

export type Health = Level;

/** Worst severity per subject ("queue:default/bullmq:mail", "host", ...), ok when nothing is breached. */
export function healthOf(findings: readonly Finding[], subjects: readonly string[]): Map<string, Health> {
  const out = new Map<string, Health>(subjects.map((s) => [s, 'ok']));
  for (const f of findings) {
    const key = `${f.subject.kind}:${f.subject.id}`;
    out.set(key, worse(out.get(key) ?? 'ok', f.severity));
  }
  return out;
}

/** The level a value reaches against warning/critical limits (higher is worse). */
export function levelOf(value: number, l: { warning?: number; critical?: number }): { level: Level; limit: number } {
  if (l.critical !== undefined && value > l.critical) return { level: 'critical', limit: l.critical };
  if (l.warning !== undefined && value > l.warning) return { level: 'warning', limit: l.warning };
  return { level: 'ok', limit: l.warning ?? l.critical ?? 0 };
}

export function severityOf(s: SeverityOrOff | undefined, fallback: SeverityOrOff): Level {
  const v = s ?? fallback;
  return v === 'off' ? 'ok' : v;
}
