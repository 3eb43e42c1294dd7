// "Chaperone: Add Deploy Mark…": the same mark as `chaperone mark TEXT`, drawn on every chart.
import * as vscode from 'vscode';
import { checkMarkText } from '../../core/mark';
import { UserFacingError } from '../trust';
import type { HostCommand } from './command';

export const addMark: HostCommand = {
  id: 'chaperone.addMark',
  /** text: from tests (no input box). */
  async run(ctx, text?: unknown) {
    const engine = ctx.host.engine;
    if (!engine) throw new UserFacingError('Chaperone is not running here (no chaperone.json, or the workspace is not trusted)');
    const given = typeof text === 'string' ? text : await vscode.window.showInputBox({
      title: 'Chaperone: Add Deploy Mark',
      prompt: 'A line drawn on every dashboard chart, e.g. "deploy 1.4.2"',
      validateInput: (v) => {
        const c = checkMarkText(v);
        return 'error' in c ? c.error : undefined;
      },
    });
    if (given === undefined) return undefined;
    const mark = await engine.addMark(given).catch((err: unknown) => {
      throw new UserFacingError(err instanceof Error ? err.message : String(err));
    });
    ctx.dashboard.tick();
    void vscode.window.showInformationMessage(`Chaperone: marked "${mark.text}" at ${new Date(mark.at).toLocaleTimeString()}`);
    return mark;
  },
};
