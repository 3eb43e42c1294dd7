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
