// chaperone.json of the first workspace folder: read through the workspace file system (never sync
// I/O), parsed by the same pure parser as the CLI, with its problems kept (not thrown) so they become
// diagnostics.
import * as vscode from 'vscode';
import { ConfigError, type ConfigProblem } from '../core/config/located-error';
import { parseConfigText } from '../core/config/parse-config';
import type { ChaperoneConfig } from '../core/config/types';

export const CONFIG_FILE = 'chaperone.json';

export interface LoadedConfig {
  uri: vscode.Uri;
  /** Undefined when the file has problems (or does not exist). */
  config: ChaperoneConfig | undefined;
  problems: ConfigProblem[];
  exists: boolean;
}

export function configUri(): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, CONFIG_FILE) : undefined;
}

/** The folder of chaperone.json: where the project's files are (relative paths and pathMappings start here). */
export function projectRoot(): string | undefined {
  const uri = configUri();
  return uri ? vscode.Uri.joinPath(uri, '..').fsPath : undefined;
}

export async function readConfig(uri: vscode.Uri): Promise<LoadedConfig> {
  let text: string;
  try {
    // Exists means on disk: a deleted file's editor may still hold its text.
    await vscode.workspace.fs.stat(uri);
    // An editor's unsaved text is what the user sees: use it (a saved one may be stale after a delete).
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && d.isDirty);
    text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return { uri, config: undefined, problems: [], exists: false };
  }
  try {
    return { uri, config: parseConfigText(text, uri.fsPath).config, problems: [], exists: true };
  } catch (err) {
    if (err instanceof ConfigError) return { uri, config: undefined, problems: err.problems, exists: true };
    throw err;
  }
}
