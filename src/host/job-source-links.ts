// In a job document, every frame of its trace whose file is here is a link that opens that file at
// that line: the trace's paths are mapped with chaperone.json's pathMappings, relative ones are
// taken from the folder of chaperone.json, and a file is linked only when the workspace has it.
import * as vscode from 'vscode';
import { localPath } from '../core/source-paths';
import { parseFrames } from '../core/stack-frames';
import { projectRoot } from './config-file';
import type { EngineHost } from './engine-host';

/** A document's frames are looked up at most this many (a trace of thousands of frames is rare, and each is a stat). */
const MAX_LINKS = 200;

/** The file here, as a URI that opens it at `line` (the opener reads "#L12"). */
export function sourceUri(file: vscode.Uri, line: number): vscode.Uri {
  return file.with({ fragment: `L${line}` });
}

/** Whether the workspace has this file (a directory or nothing is not linked). */
export async function isFile(uri: vscode.Uri): Promise<boolean> {
  try {
    return (await vscode.workspace.fs.stat(uri)).type === vscode.FileType.File;
  } catch {
    return false;
  }
}

export class JobSourceLinks implements vscode.DocumentLinkProvider {
  constructor(private readonly host: EngineHost) {}

  async provideDocumentLinks(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.DocumentLink[]> {
    const root = projectRoot();
    if (!root) return [];
    const mappings = this.host.engine?.config.pathMappings ?? [];
    const frames = parseFrames(doc.getText()).slice(0, MAX_LINKS);
    // Each file once, however many frames name it.
    const here = new Map<string, Promise<boolean>>();
    const links = await Promise.all(frames.map(async (f) => {
      const file = vscode.Uri.file(localPath(f.file, mappings, root));
      const key = file.toString();
      if (!here.has(key)) here.set(key, isFile(file));
      if (!(await here.get(key)) || token.isCancellationRequested) return undefined;
      const link = new vscode.DocumentLink(new vscode.Range(f.at.line, f.at.start, f.at.line, f.at.end), sourceUri(file, f.line));
      link.tooltip = `Open ${vscode.workspace.asRelativePath(file)} at line ${f.line}`;
      return link;
    }));
    return links.filter((l): l is vscode.DocumentLink => l !== undefined);
  }
}
