import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { isQueueArgs, pickQueue, queueWrite, service } from './queue-target';

export const retryFailed: HostCommand = {
  id: 'chaperone.retryFailed',
  async run(ctx, arg) {
    const t = await pickQueue(ctx.host, arg, 'Retry failed jobs', (q) => q.failed > 0);
    if (!t) return undefined;
    if (!t.jobId && !(isQueueArgs(arg) && arg.yes)) {
      const ok = await vscode.window.showWarningMessage(`Retry every failed job of ${t.queue}?`, { modal: true }, 'Retry all');
      if (ok !== 'Retry all') return undefined;
    }
    const svc = service(ctx.host);
    const r = await queueWrite(ctx.host, `Retrying on ${t.queue}`, () => svc.retry(t.q, t.jobId ?? { allFailed: true }));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    if (arg instanceof vscode.Uri) ctx.jobs.refresh(arg);
    return r;
  },
};
