// Runs one signals tick now and reports what is breached (the Problems panel gets the details).
import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { UserFacingError } from '../trust';

export const checkThresholds: HostCommand = {
  id: 'chaperone.checkThresholds',
  async run(ctx) {
    const engine = ctx.host.engine;
    if (!engine) throw new UserFacingError(ctx.host.startError ?? 'Chaperone is not running');
    const findings = await engine.tickNow();
    ctx.refreshAll();
    const critical = findings.filter((f) => f.severity === 'critical').length;
    const msg = findings.length ? `${findings.length} threshold(s) breached (${critical} critical): ${findings.slice(0, 3).map((f) => f.message).join('; ')}` : 'No threshold breached';
    const show = critical ? vscode.window.showErrorMessage : findings.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(msg, ...(findings.length ? ['Show Problems'] : [])).then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return findings;
  },
};
