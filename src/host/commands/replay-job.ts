// Replay a failed job: a copy of it as a new job on the same queue, the failed one kept to compare
// (from its row's context menu or its document's title bar), after a confirmation that names the
// job, the queue and the connection. Audited by the service; refused on a read-only connection.
import * as vscode from 'vscode';
import { UserFacingError } from '../trust';
import type { HostCommand } from './command';
import { isQueueArgs, pickQueue, queueWrite, service } from './queue-target';

export const replayJob: HostCommand = {
  id: 'chaperone.replayJob',
  async run(ctx, arg) {
    const t = await pickQueue(ctx.host, arg, 'Replay a failed job', (q) => q.failed > 0);
    if (!t) return undefined;
    if (!t.jobId) throw new UserFacingError('Replay a failed job from its row or its document');
    const id = t.jobId;
    if (!(isQueueArgs(arg) && arg.yes)) {
      const ok = await vscode.window.showWarningMessage(`Replay failed job ${id} of ${t.queue} on connection "${t.q.connection ?? 'default'}"? A copy of it is added to the queue as a new job, and its workers run it; the failed one stays.`, { modal: true }, 'Replay');
      if (ok !== 'Replay') return undefined;
    }
    const r = await queueWrite(ctx.host, `Replaying failed job ${id}`, () => service(ctx.host).replay(t.q, id));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    return r;
  },
};
