// Delete one failed job (its record and trace, as the system's own UI does): from its row or its
// document's title bar, after a confirmation naming the job and the queue.
import * as vscode from 'vscode';
import { UserFacingError } from '../trust';
import type { HostCommand } from './command';
import { isQueueArgs, pickQueue, queueWrite, service } from './queue-target';

export const deleteFailedJob: HostCommand = {
  id: 'chaperone.deleteFailedJob',
  async run(ctx, arg) {
    const t = await pickQueue(ctx.host, arg, 'Delete a failed job', (q) => q.failed > 0);
    if (!t) return undefined;
    if (!t.jobId) throw new UserFacingError('Delete a failed job from its row or its document (or run `chaperone failures --delete` for a group)');
    const id = t.jobId;
    if (!(isQueueArgs(arg) && arg.yes)) {
      const ok = await vscode.window.showWarningMessage(`Delete failed job ${id} of ${t.queue}? Its record and its trace are gone for good.`, { modal: true }, 'Delete');
      if (ok !== 'Delete') return undefined;
    }
    const r = await queueWrite(ctx.host, `Deleting failed job ${id}`, () => service(ctx.host).deleteFailed(t.q, id));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    if (arg instanceof vscode.Uri) ctx.jobs.refresh(arg);
    return r;
  },
};
