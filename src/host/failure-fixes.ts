// The quick fixes of a failure group's diagnostic in the source: show the group's jobs, retry the
// group (confirmed by the command), open the dashboard.
import * as vscode from 'vscode';
import type { FailureGroupArgs } from './commands/failure-group';
import { FAILURE_SOURCE, type FailureDiagnostics } from './failure-diagnostics';

export class FailureFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly failures: FailureDiagnostics) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== FAILURE_SOURCE) continue;
      const spot = this.failures.spotOf(d, doc.uri);
      if (!spot) continue;
      const args: FailureGroupArgs = { queue: spot.ref.id, connection: spot.ref.connection, ids: spot.ids, what: spot.group.example };
      const action = (title: string, command: string, commandArgs: unknown[], preferred = false): vscode.CodeAction => {
        const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.command = { title, command, arguments: commandArgs };
        a.isPreferred = preferred;
        return a;
      };
      const n = spot.ids.length;
      out.push(
        action(`Show the ${n} failed job${n === 1 ? '' : 's'} of this group (${spot.ref.id})`, 'chaperone.showFailureGroup', [args], true),
        action(`Retry the ${n} failed job${n === 1 ? '' : 's'} of this group…`, 'chaperone.retryFailureGroup', [args]),
        action('Open the Chaperone dashboard', 'chaperone.openDashboard', []),
      );
    }
    return out;
  }
}
