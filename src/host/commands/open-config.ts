import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { CONFIG_FILE, configUri } from '../config-file';
import { UserFacingError } from '../trust';

export const openConfig: HostCommand = {
  id: 'chaperone.openConfig',
  async run() {
    const uri = configUri();
    if (!uri) throw new UserFacingError(`Open a folder first: ${CONFIG_FILE} goes at its root`);
    return vscode.window.showTextDocument(uri);
  },
};
