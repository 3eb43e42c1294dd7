import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { pickQueue, queueWrite, service } from './queue-target';

export const pauseQueue: HostCommand = {
  id: 'chaperone.pauseQueue',
  async run(ctx, arg) {
    const t = await pickQueue(ctx.host, arg, 'Pause queue', (q) => !q.paused);
    if (!t) return undefined;
    const svc = service(ctx.host);
    const r = await queueWrite(ctx.host, `Pausing ${t.queue}`, () => svc.pause(t.q));
    void vscode.window.showInformationMessage(r.message);
    return r;
  },
};
