// Opens a job (a job row of the Queues view, or {queue, connection, jobId}) as a read-only document.
import * as vscode from 'vscode';
import { parseQueueId, queueRef } from '../../core/queue-ref';
import { JOB_SCHEME, jobUri } from '../job-documents';
import { UserFacingError } from '../trust';
import type { QueueNode } from '../views/queues-tree';
import type { HostCommand } from './command';
import { isQueueArgs } from './queue-target';

export const openJob: HostCommand = {
  id: 'chaperone.openJob',
  async run(_ctx, arg) {
    let uri: vscode.Uri | undefined;
    if (arg && typeof arg === 'object' && 'kind' in arg && (arg as QueueNode).kind === 'job') {
      const n = arg as Extract<QueueNode, { kind: 'job' }>;
      uri = jobUri(n.ref, n.job.id);
    } else if (isQueueArgs(arg) && arg.jobId) {
      const id = parseQueueId(arg.queue);
      if (!id) throw new UserFacingError(`"${arg.queue}" is not a queue id: expected SYSTEM:QUEUE`);
      uri = jobUri(queueRef(id.system, arg.connection ?? 'default', id.name), arg.jobId);
    }
    if (!uri) throw new UserFacingError('Open a job from the Queues view (a job row)');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
    return { uri: uri.toString(), lines: doc.lineCount };
  },
};

export const refreshJob: HostCommand = {
  id: 'chaperone.refreshJob',
  run(ctx, arg) {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri || uri.scheme !== JOB_SCHEME) throw new UserFacingError('No job document is open');
    ctx.jobs.refresh(uri);
    return { uri: uri.toString() };
  },
};
