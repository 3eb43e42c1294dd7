// A connection's password goes to SecretStorage (never chaperone.json, never settings), then the
// engine reconnects with it.
import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { describe, pickConnection } from './connection-target';
import { requireTrust } from '../trust';

export const setPassword: HostCommand = {
  id: 'chaperone.setPassword',
  async run(ctx, arg) {
    requireTrust('Using a stored Redis password');
    const c = await pickConnection(ctx.host, arg, 'Set a connection password');
    if (!c) return undefined;
    const given = typeof arg === 'object' && arg !== null && typeof (arg as { password?: unknown }).password === 'string' ? (arg as { password: string }).password : undefined;
    const password = given ?? (await vscode.window.showInputBox({
      title: `Password for ${c.name} (${describe(c)})`, password: true, ignoreFocusOut: true,
      prompt: 'Kept in VS Code SecretStorage for this connection and host only. Leave empty to forget the stored one.',
    }));
    if (password === undefined) return undefined;
    if (password === '') await ctx.secrets.delete(c);
    else await ctx.secrets.set(c, password);
    ctx.channel.info(`password for connection ${c.name} ${password === '' ? 'removed from' : 'stored in'} SecretStorage`);
    await ctx.host.reload();
    ctx.refreshAll();
    return true;
  },
};
