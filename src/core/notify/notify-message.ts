// What one notification says, whatever it is sent as: the findings that opened and closed since the
// channel's last message, with how often each changed meanwhile (a flapping rule says so).
import type { Finding } from '../signals/findings';

export interface FindingChange {
  key: string;
  severity: Finding['severity'];
  subject: Finding['subject'];
  metric: string;
  message: string;
  value: number;
  limit: number;
  /** When it became active (ms), for an opened one. */
  since: number;
  /** Times it opened or closed since the last message (1 for a plain change; more: flapping). */
  changes: number;
}

export interface NotifyMessage {
  /** The supervisor and host that saw it. */
  origin: string;
  at: number;
  opened: FindingChange[];
  closed: FindingChange[];
  /** Still open, for context (not changed). */
  stillOpen: number;
  /** Messages held back by the rate limit since the last one sent. */
  heldBack: number;
}

export function changeOf(f: Finding, changes: number): FindingChange {
  return { key: f.key, severity: f.severity, subject: f.subject, metric: f.metric, message: f.message, value: f.value, limit: f.limit, since: f.since, changes };
}

/** "2 opened, 1 cleared: critical bullmq:emails wait 340s > 60s" */
export function summaryOf(m: NotifyMessage): string {
  const parts: string[] = [];
  if (m.opened.length) parts.push(`${m.opened.length} opened`);
  if (m.closed.length) parts.push(`${m.closed.length} cleared`);
  const first = m.opened[0] ?? m.closed[0];
  const head = first ? `: ${m.opened[0] ? `${first.severity} ` : 'cleared '}${first.message}` : '';
  return `${parts.join(', ')}${head}`;
}

export function lineOf(c: FindingChange, opened: boolean): string {
  const flap = c.changes > 2 ? ` (flapping: changed ${c.changes} times since the last message)` : '';
  return opened ? `${c.severity.toUpperCase()} ${c.message}${flap}` : `cleared ${c.message}${flap}`;
}
