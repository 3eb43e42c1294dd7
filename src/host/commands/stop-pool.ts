import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { isPoolArgs, pickPool, runPoolVerb } from './pool-target';

export const stopPool: HostCommand = {
  id: 'chaperone.stopPool',
  async run(ctx, arg) {
    const t = await pickPool(ctx.host, arg, 'Stop pool');
    if (!t) return undefined;
    if (!(isPoolArgs(arg) && arg.yes)) {
      const ok = await vscode.window.showWarningMessage(`Stop pool "${t.pool}"?`, { modal: true, detail: 'Its workers get the stop signal now; they are killed at the stop timeout. Queues are not paused (use Drain for that).' }, 'Stop');
      if (ok !== 'Stop') return undefined;
    }
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Stopping pool ${t.pool}` }, () => runPoolVerb(ctx.host, t, { verb: 'stop' }));
    void vscode.window.showInformationMessage(r.message);
    return r;
  },
};
