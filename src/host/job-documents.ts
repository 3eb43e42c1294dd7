// A job as a read-only document (scheme chaperone-job): its page, with the payload pretty-printed
// and the whole stack trace as text, so it can be searched, folded and copied. The title names the
// job; Refresh reads it again. Read only when opened or refreshed: nothing polls.
import * as vscode from 'vscode';
import { isSystemName, queueRef, type QueueRef } from '../core/queue-ref';
import { formatJob } from '../queues/job-page';
import type { EngineHost } from './engine-host';

export const JOB_SCHEME = 'chaperone-job';

/**
 * chaperone-job:/<system:queue #id>?{"connection","system","queue","id"}: the path is the tab's
 * title; the query says exactly which job (names may hold "/", "#" or ":", so they are not parsed
 * out of the path).
 */
export function jobUri(ref: QueueRef, id: string): vscode.Uri {
  return vscode.Uri.from({ scheme: JOB_SCHEME, path: `/${ref.id} #${id}`, query: JSON.stringify({ connection: ref.connection, system: ref.system, queue: ref.name, id }) });
}

function parseJobUri(uri: vscode.Uri): { ref: QueueRef; id: string } | undefined {
  let q: unknown;
  try {
    q = JSON.parse(uri.query);
  } catch {
    return undefined;
  }
  if (!q || typeof q !== 'object') return undefined;
  const { connection, system, queue, id } = q as Record<string, unknown>;
  if (typeof connection !== 'string' || typeof system !== 'string' || typeof queue !== 'string' || typeof id !== 'string' || !isSystemName(system)) return undefined;
  return { ref: queueRef(system, connection, queue), id };
}

export class JobDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly host: EngineHost) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const where = parseJobUri(uri);
    if (!where) return `Not a job address: ${uri.toString()}`;
    const service = this.host.engine?.queues;
    if (!service) return this.host.startError ?? 'Chaperone is not running';
    try {
      const job = await service.job(where.ref, where.id);
      if (!job) return `job ${where.id} of ${where.ref.id} on ${where.ref.connection}: not found (finished or removed?)`;
      return `${formatJob(job, Date.now())}\n`;
    } catch (err) {
      return `job ${where.id} of ${where.ref.id}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** Read the job again (the document's Refresh). */
  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
