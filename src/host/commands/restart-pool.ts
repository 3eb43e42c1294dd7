import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { pickPool, runPoolVerb } from './pool-target';

export const restartPool: HostCommand = {
  id: 'chaperone.restartPool',
  async run(ctx, arg) {
    const t = await pickPool(ctx.host, arg, 'Rolling restart');
    if (!t) return undefined;
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Rolling restart of ${t.pool}: each replacement is up before the old worker stops` },
      () => runPoolVerb(ctx.host, t, { verb: 'restart' }),
    );
    void vscode.window.showInformationMessage(r.message);
    return r;
  },
};
