// The audit stream's entry layout, shared by every writer (supervisors, CLI queue actions).
import type Redis from 'ioredis';
import { sanitizeAudit } from '../core/audit-text';
import type { AuditEntry, AuditSink } from '../core/ports';
import { AUDIT_MAXLEN } from './control-keys';

export function auditFields(raw: AuditEntry, source: string): string[] {
  const entry = sanitizeAudit(raw);
  const fields = ['at', String(entry.at), 'actor', entry.actor, 'supervisor', source, 'verb', entry.verb, 'target', entry.target, 'outcome', entry.outcome];
  if (entry.detail) fields.push('detail', entry.detail);
  if (entry.args && Object.keys(entry.args).length) fields.push('args', JSON.stringify(entry.args));
  return fields;
}

export function appendAudit(redis: Redis, key: string, entry: AuditEntry, source: string): Promise<unknown> {
  return redis.xadd(key, 'MAXLEN', '~', String(AUDIT_MAXLEN), '*', ...auditFields(entry, source));
}

/** An AuditSink for short-lived clients (the CLI): writes at once and lets `flush()` await them. */
export class RedisAuditSink implements AuditSink {
  private readonly pending: Promise<unknown>[] = [];
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly source: string,
  ) {}
  record(entry: AuditEntry): void {
    this.pending.push(appendAudit(this.redis, this.key, entry, this.source).catch(() => undefined));
  }
  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }
}
