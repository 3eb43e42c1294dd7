// A job as a read-only document (scheme chaperone-job): its page, with the payload pretty-printed
// and the whole stack trace as text, so it can be searched, folded and copied. The title names the
// job; Refresh reads it again. Read only when opened or refreshed: nothing polls.
import * as vscode from 'vscode';
import { isSystemName, queueRef, type QueueRef } from '../core/queue-ref';
import { formatJob } from '../queues/job-page';
import type { JobDetail, JobState } from '../queues/contract';
import { jobActions, stateKind, type JobAction } from './job-actions';
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

export function parseJobUri(uri: vscode.Uri): { ref: QueueRef; id: string } | undefined {
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

const MAX_KEPT = 100;

export class JobDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  /** The job each open document last showed (bounded): its actions follow its state. */
  private readonly shown = new Map<string, JobDetail | undefined>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly host: EngineHost) {
    this.subscription = vscode.window.onDidChangeActiveTextEditor(() => this.updateContext());
  }

  /** The job a document shows, and what kind of state it was in when last read. */
  jobOf(uri: vscode.Uri): { ref: QueueRef; id: string; kind: JobState | undefined } | undefined {
    const where = parseJobUri(uri);
    if (!where) return undefined;
    const d = this.shown.get(uri.toString());
    return { ...where, kind: d ? stateKind(d.state) : undefined };
  }

  /** The title bar's actions for the active editor's job (a context key the menus read). */
  private updateContext(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    let actions: JobAction[] = [];
    if (uri?.scheme === JOB_SCHEME) {
      const j = this.jobOf(uri);
      const adapter = j && this.host.engine?.queues?.connections.find((c) => c.config.name === j.ref.connection)?.adapters.find((a) => a.system === j.ref.system);
      if (j && adapter) actions = jobActions(j.kind, adapter.capabilities);
    }
    void vscode.commands.executeCommand('setContext', 'chaperone.jobActions', actions.join(' '));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const where = parseJobUri(uri);
    if (!where) return `Not a job address: ${uri.toString()}`;
    const service = this.host.engine?.queues;
    if (!service) return this.host.startError ?? 'Chaperone is not running';
    try {
      const job = await service.job(where.ref, where.id);
      this.keep(uri, job);
      if (!job) return `job ${where.id} of ${where.ref.id} on ${where.ref.connection}: not found (finished or removed?)`;
      return `${formatJob(job, Date.now())}\n`;
    } catch (err) {
      return `job ${where.id} of ${where.ref.id}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  private keep(uri: vscode.Uri, job: JobDetail | undefined): void {
    this.shown.delete(uri.toString());
    this.shown.set(uri.toString(), job);
    while (this.shown.size > MAX_KEPT) this.shown.delete(this.shown.keys().next().value as string);
    this.updateContext();
  }

  /** Read the job again (the document's Refresh). */
  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
