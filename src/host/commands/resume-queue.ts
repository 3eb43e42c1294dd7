import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { pickQueue, queueWrite, service } from './queue-target';

export const resumeQueue: HostCommand = {
  id: 'chaperone.resumeQueue',
  async run(ctx, arg) {
    const t = await pickQueue(ctx.host, arg, 'Resume queue', (q) => q.paused);
    if (!t) return undefined;
    const svc = service(ctx.host);
    const r = await queueWrite(ctx.host, `Resuming ${t.queue}`, () => svc.resume(t.q));
    void vscode.window.showInformationMessage(r.message);
    return r;
  },
};
