// The VS Code extension entry: everything is built by the composition root (host-root.ts).
import type * as vscode from 'vscode';
import { createHost, type ChaperoneApi } from './host-root';

let api: ChaperoneApi | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ChaperoneApi> {
  api = await createHost(context);
  return api;
}

/**
 * A window reload or close: the workers are not stopped here. The spawner keeps them for the grace
 * period (supervisor.handoverGrace) and the next extension host takes them over; a window that
 * does not come back has its workers stopped by the spawner when the grace ends.
 */
export async function deactivate(): Promise<void> {
  if (!api) return;
  // The workers come first: the engine lets go of them at once (the next host takes them over).
  // The dashboard's history (kept in memory) is saved alongside, for the next host to read back.
  const engine = api.host.engine;
  await Promise.all([api.host.detach(), api.history.save(engine).catch(() => undefined)]);
}
