import * as vscode from 'vscode';
import type { HostCommand } from './command';

export const reload: HostCommand = {
  id: 'chaperone.reload',
  async run(ctx) {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Chaperone: reloading chaperone.json' }, () => ctx.host.reload());
    ctx.refreshAll();
    if (ctx.host.startError) throw new Error(ctx.host.startError);
  },
};
