// Audit entries carry text from outside (an actor name from a Redis command, a refused command's
// fields): before any sink sees them, control characters are escaped, so a newline cannot forge a
// log line and a terminal escape cannot reach a terminal, and long fields are cut, saying so.
import type { AuditEntry } from './ports';

const FIELD_MAX = 200;
const DETAIL_MAX = 1000;

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** Escaped, then cut to max characters with the number of characters left out. */
export function cleanText(s: string, max = FIELD_MAX): string {
  const e = escapeControl(s);
  return e.length <= max ? e : `${e.slice(0, max)}… (${e.length - max} more characters)`;
}

export function sanitizeAudit(e: AuditEntry): AuditEntry {
  const out: AuditEntry = { at: e.at, actor: cleanText(e.actor), verb: cleanText(e.verb, 40), target: cleanText(e.target), outcome: e.outcome };
  if (e.args && Object.keys(e.args).length) {
    const text = JSON.stringify(e.args);
    out.args = text.length <= DETAIL_MAX ? e.args : { truncated: cleanText(text, DETAIL_MAX) };
  }
  if (e.detail) out.detail = cleanText(e.detail, DETAIL_MAX);
  return out;
}

/** The one way an audit entry is written as a line (logs, the editor's output channel). */
export function auditLine(e: AuditEntry): string {
  const s = sanitizeAudit(e);
  return `audit: ${s.actor} ${s.verb} ${s.target}${s.args ? ` ${escapeControl(JSON.stringify(s.args))}` : ''} -> ${s.outcome}${s.detail ? `: ${s.detail}` : ''}`;
}
