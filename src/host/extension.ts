// The VS Code extension entry: everything is built by the composition root (host-root.ts).
import type * as vscode from 'vscode';
import { createHost, type ChaperoneApi } from './host-root';

let api: ChaperoneApi | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ChaperoneApi> {
  api = await createHost(context);
  return api;
}

/** VS Code waits for this: the pools drain (their stop policy) before the extension host exits. */
export function deactivate(): Promise<void> | undefined {
  return api?.host.stop();
}
