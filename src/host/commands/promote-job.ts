// Run a delayed job now: from its row, its document's title bar, or a pick of a queue's delayed jobs.
import * as vscode from 'vscode';
import { formatDuration } from '../../core/units';
import type { HostCommand } from './command';
import { pickQueue, queueWrite, service } from './queue-target';

export const promoteJob: HostCommand = {
  id: 'chaperone.promoteJob',
  async run(ctx, arg) {
    const t = await pickQueue(ctx.host, arg, 'Run a delayed job now', (q) => q.delayed > 0);
    if (!t) return undefined;
    let jobId = t.jobId;
    if (!jobId) {
      const delayed = await service(ctx.host).jobs(t.q, 'delayed', 50);
      if (!delayed.length) {
        void vscode.window.showInformationMessage(`${t.queue} has no delayed job`);
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(delayed.map((j) => ({ label: j.name || j.id, description: `#${j.id}${j.ageMs !== null ? ` · queued ${formatDuration(j.ageMs)} ago` : ''}`, detail: j.preview, id: j.id })), { title: `Run a delayed job of ${t.queue} now`, matchOnDetail: true });
      if (!pick) return undefined;
      jobId = pick.id;
    }
    const id = jobId;
    const r = await queueWrite(ctx.host, `Promoting job ${id}`, () => service(ctx.host).promote(t.q, id));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    if (arg instanceof vscode.Uri) ctx.jobs.refresh(arg);
    return r;
  },
};
