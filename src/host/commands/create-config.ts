// Creates chaperone.json from what is on the default connection: the systems and queues found
// there, a depth rule per system, and one commented pool per system to start from.
import * as vscode from 'vscode';
import { configText } from '../config-template';
import type { HostCommand } from './command';
import { CONFIG_FILE, configUri } from '../config-file';
import { UserFacingError, requireTrust } from '../trust';

export const createConfig: HostCommand = {
  id: 'chaperone.createConfig',
  async run(ctx) {
    requireTrust(`Creating ${CONFIG_FILE}`);
    const uri = configUri();
    if (!uri) throw new UserFacingError(`Open a folder first: ${CONFIG_FILE} goes at its root`);
    try {
      await vscode.workspace.fs.stat(uri);
      await vscode.window.showTextDocument(uri);
      throw new UserFacingError(`${CONFIG_FILE} already exists: opened it`);
    } catch (err) {
      if (err instanceof UserFacingError) throw err;
    }
    const engine = ctx.host.engine;
    const url = ctx.host.redisUrl;
    const overview = engine?.queues ? await engine.queues.overview() : { counts: [], errors: ['not running'] };
    if (overview.errors.length) ctx.channel.warn(`create ${CONFIG_FILE}: ${overview.errors.join('; ')}`);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(configText(url, overview.counts)));
    await vscode.window.showTextDocument(uri);
    await ctx.host.reload();
    ctx.refreshAll();
    return uri;
  },
};
