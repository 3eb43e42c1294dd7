// Cancel a job: from a job in the tree, or a quick pick of a queue's pending and delayed jobs.
// A job a worker took meanwhile is reported as taken, honestly.
import * as vscode from 'vscode';
import { formatDuration } from '../../core/units';
import type { HostCommand } from './command';
import { pickQueue, queueWrite, service } from './queue-target';

export const cancelJob: HostCommand = {
  id: 'chaperone.cancelJob',
  async run(ctx, arg) {
    const t = await pickQueue(ctx.host, arg, 'Cancel a job', (q) => q.pending + q.delayed > 0);
    if (!t) return undefined;
    let jobId = t.jobId;
    // From a job document: the state it showed when last read.
    let state = arg instanceof vscode.Uri ? ctx.jobs.jobOf(arg)?.kind : t.state;
    if (!jobId) {
      const svc = service(ctx.host);
      const [pending, delayed] = await Promise.all([svc.jobs(t.q, 'pending', 50), svc.jobs(t.q, 'delayed', 50).catch(() => [])]);
      const items = [...pending, ...delayed].map((j) => ({ label: j.name || j.id, description: `#${j.id} · ${j.state}${j.ageMs !== null ? ` · ${formatDuration(j.ageMs)} old` : ''}`, detail: j.preview, job: j }));
      if (!items.length) {
        void vscode.window.showInformationMessage(`${t.queue} has no pending or delayed job`);
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(items, { title: `Cancel a job of ${t.queue}`, matchOnDescription: true, matchOnDetail: true });
      if (!pick) return undefined;
      jobId = pick.job.id;
      state = pick.job.state;
    }
    const svc = service(ctx.host);
    const r = await queueWrite(ctx.host, `Cancelling job ${jobId}`, () => (state === 'active' ? svc.cancelRunning(t.q, jobId) : svc.cancel(t.q, jobId)));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    if (arg instanceof vscode.Uri) ctx.jobs.refresh(arg);
    return r;
  },
};
