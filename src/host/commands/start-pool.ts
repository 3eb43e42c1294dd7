import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { pickPool, runPoolVerb } from './pool-target';

export const startPool: HostCommand = {
  id: 'chaperone.startPool',
  async run(ctx, arg) {
    const t = await pickPool(ctx.host, arg, 'Start pool');
    if (!t) return undefined;
    const r = await runPoolVerb(ctx.host, t, { verb: 'start' });
    void vscode.window.showInformationMessage(r.message);
    return r;
  },
};
