// The engine's log and audit trail go to one LogOutputChannel ("Chaperone"), whose level the user
// sets from the Output panel; the core only sees the Logger port.
import * as vscode from 'vscode';
import { auditLine } from '../core/audit-text';
import type { AuditEntry, AuditSink, Logger } from '../core/ports';

export function channelLogger(channel: vscode.LogOutputChannel): Logger {
  return { info: (m) => channel.info(m), warn: (m) => channel.warn(m), error: (m) => channel.error(m) };
}

/** Every action, from any actor, as one line in the channel (the Redis audit stream keeps them too). */
export function channelAudit(channel: vscode.LogOutputChannel): AuditSink {
  return {
    record: (e: AuditEntry) => {
      const line = auditLine(e);
      if (e.outcome === 'error') channel.warn(line);
      else channel.info(line);
    },
  };
}
