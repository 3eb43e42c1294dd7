// The VS Code extension entry. The editor UI (views, commands, dashboard) arrives in a later issue;
// for now activation sets up the output channel and one command, and proves the bundle loads.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Chaperone', { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('chaperone.showOutput', () => output.show()),
  );
  output.info('Chaperone activated');
}

export function deactivate(): void {
  // Disposables registered on the context are disposed by VS Code.
}
