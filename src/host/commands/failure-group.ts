// A failure group's quick fixes, from its diagnostic in the source: show its jobs (a pick that opens
// one), or retry them all (confirmed with the count and the queue; each retry audited by the service).
import * as vscode from 'vscode';
import { parseQueueId, queueRef } from '../../core/queue-ref';
import { done, notFound } from '../../queues/contract';
import { jobUri } from '../job-documents';
import { UserFacingError } from '../trust';
import type { HostCommand } from './command';
import { queueWrite, service } from './queue-target';

/** What a failure diagnostic's fix passes: the queue and the group's jobs ({yes, pick} from tests). */
export interface FailureGroupArgs {
  queue: string;
  connection: string;
  ids: string[];
  /** The group's one line, for titles. */
  what: string;
  yes?: boolean;
  /** Open this job of the group without asking (tests). */
  pick?: string;
}

function groupArgs(arg: unknown): FailureGroupArgs {
  const a = arg as Partial<FailureGroupArgs> | undefined;
  if (!a || typeof a.queue !== 'string' || typeof a.connection !== 'string' || !Array.isArray(a.ids) || !a.ids.every((x) => typeof x === 'string') || typeof a.what !== 'string') {
    throw new UserFacingError('Act on a failure group from its diagnostic in the source (its quick fixes)');
  }
  return a as FailureGroupArgs;
}

function refOf(a: FailureGroupArgs) {
  const id = parseQueueId(a.queue);
  if (!id) throw new UserFacingError(`"${a.queue}" is not a queue id: expected SYSTEM:QUEUE`);
  return queueRef(id.system, a.connection, id.name);
}

export const showFailureGroup: HostCommand = {
  id: 'chaperone.showFailureGroup',
  async run(_ctx, arg) {
    const a = groupArgs(arg);
    const ref = refOf(a);
    const chosen = a.pick ?? (await vscode.window.showQuickPick(a.ids.map((id) => ({ label: `#${id}`, description: a.queue, id })), { title: `${a.ids.length} failed job(s) of ${a.queue}: ${a.what}` }))?.id;
    if (!chosen) return undefined;
    const doc = await vscode.workspace.openTextDocument(jobUri(ref, chosen));
    await vscode.window.showTextDocument(doc, { preview: true });
    return { opened: chosen };
  },
};

export const retryFailureGroup: HostCommand = {
  id: 'chaperone.retryFailureGroup',
  async run(ctx, arg) {
    const a = groupArgs(arg);
    const ref = refOf(a);
    if (!a.yes && (await vscode.window.showWarningMessage(`Retry the ${a.ids.length} failed job(s) of ${a.queue} on ${a.connection} that failed with "${a.what}"?`, { modal: true }, 'Retry')) !== 'Retry') return undefined;
    const svc = service(ctx.host);
    let retried = 0;
    const notDone: string[] = [];
    const r = await queueWrite(ctx.host, `Retrying a failure group of ${a.queue}`, async () => {
      // One job at a time: a job retried or removed meanwhile is reported, not fatal.
      for (const id of a.ids) {
        const one = await svc.retry(ref, id);
        if (one.ok) retried++;
        else notDone.push(`#${id}: ${one.message}`);
      }
      const message = `retried ${retried} of ${a.ids.length} failed job(s) of ${a.queue}${notDone.length ? `; not retried: ${notDone.slice(0, 3).join('; ')}${notDone.length > 3 ? '…' : ''}` : ''}`;
      return retried > 0 || a.ids.length === 0 ? done(message) : notFound(message);
    });
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    return r;
  },
};
