// Connect to a Redis profile: one of chaperone.json's connections (its state, a password when it
// asks for one), or a new one added to the file.
import * as vscode from 'vscode';
import { applyEdits, modify } from 'jsonc-parser';
import type { HostCommand } from './command';
import { describe } from './connection-target';
import { configUri } from '../config-file';
import { UserFacingError, requireTrust } from '../trust';
import { redactUrl } from '../../node/redis-connection';

export interface NewProfile {
  name: string;
  url: string;
  readOnly: boolean;
}

function isNewProfile(a: unknown): a is NewProfile {
  const p = a as NewProfile;
  return typeof a === 'object' && a !== null && typeof p.name === 'string' && typeof p.url === 'string' && typeof p.readOnly === 'boolean';
}

export const connectProfile: HostCommand = {
  id: 'chaperone.connectProfile',
  async run(ctx, arg) {
    const engine = ctx.host.engine;
    let profile = isNewProfile(arg) ? arg : undefined;
    if (!profile) {
      const errors = engine?.queueErrors() ?? [];
      const items: (vscode.QuickPickItem & { name?: string })[] = (engine?.config.connections ?? []).map((c) => {
        const err = errors.find((e) => e.startsWith(`${c.name}/`));
        return { label: `$(${c.readOnly ? 'lock' : 'database'}) ${c.name}`, description: describe(c), detail: err ? `unreachable: ${err.slice(err.indexOf(':') + 2)}` : 'connected', name: c.name };
      });
      items.push({ label: '$(add) Add a connection to chaperone.json…' });
      const pick = await vscode.window.showQuickPick(items, { title: 'Connect to a Redis profile' });
      if (!pick) return undefined;
      if (pick.name) {
        if (/NOAUTH|WRONGPASS|invalid password/i.test(pick.detail ?? '')) return vscode.commands.executeCommand('chaperone.setPassword', { connection: pick.name });
        await vscode.commands.executeCommand('chaperone.queues.focus');
        return pick.name;
      }
      profile = await askProfile();
      if (!profile) return undefined;
    }
    requireTrust('Adding a connection');
    const uri = configUri();
    if (!uri) throw new UserFacingError('Open a folder first: connections live in its chaperone.json');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(profile.name) || profile.name === 'default') throw new UserFacingError(`"${profile.name}" cannot name a connection: letters, digits, _ and - (and not "default")`);
    if (!/^rediss?:\/\/[^\s]+$/.test(profile.url)) throw new UserFacingError(`"${redactUrl(profile.url)}" is not a Redis URL (redis://host:port/db or rediss://…)`);
    if (/^rediss?:\/\/[^/@]*:[^/@]+@/.test(profile.url)) throw new UserFacingError('Leave the password out of the URL: Chaperone keeps it in SecretStorage (Chaperone: Set Connection Password)');
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = doc.getText();
    const edits = modify(text, ['connections', profile.name], { url: profile.url, readOnly: profile.readOnly }, { formattingOptions: { insertSpaces: true, tabSize: 2 } });
    const we = new vscode.WorkspaceEdit();
    we.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(text.length)), applyEdits(text, edits));
    await vscode.workspace.applyEdit(we);
    await doc.save();
    await ctx.host.reload();
    ctx.refreshAll();
    return profile.name;
  },
};

async function askProfile(): Promise<NewProfile | undefined> {
  const name = await vscode.window.showInputBox({ title: 'New connection (1/3): name', placeHolder: 'staging', validateInput: (v) => (/^[A-Za-z0-9_-]{1,64}$/.test(v) && v !== 'default' ? undefined : 'Letters, digits, _ and -; not "default"') });
  if (!name) return undefined;
  const url = await vscode.window.showInputBox({ title: 'New connection (2/3): URL, without the password', placeHolder: 'redis://staging.internal:6379/0', validateInput: (v) => (/^rediss?:\/\/\S+$/.test(v) ? undefined : 'redis://host:port/db or rediss://…') });
  if (!url) return undefined;
  const ro = await vscode.window.showQuickPick([{ label: 'Read-only', description: 'refuse every write (production)', ro: true }, { label: 'Read-write', ro: false }], { title: 'New connection (3/3): writes' });
  if (!ro) return undefined;
  return { name, url, readOnly: ro.ro };
}
