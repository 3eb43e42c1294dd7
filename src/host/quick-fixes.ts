// Quick fixes on a finding's diagnostic: scale the pool that serves the queue (or the pool itself)
// up by one, raise the breached threshold above the current value, or open the dashboard.
import { findNodeAtOffset, parseTree, type Node } from 'jsonc-parser';
import * as vscode from 'vscode';
import type { Finding } from '../core/signals/findings';
import { DIAGNOSTIC_SOURCE, FINDING_CODE, type Diagnostics } from './diagnostics';
import { durationText, niceAbove } from './threshold-math';
import type { EngineHost } from './engine-host';

export class QuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly host: EngineHost, private readonly diagnostics: Diagnostics) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of ctx.diagnostics) {
      if (d.source !== DIAGNOSTIC_SOURCE || d.code !== FINDING_CODE) continue;
      const f = this.diagnostics.findingOf(d);
      if (!f) continue;
      const pool = this.poolFor(f);
      if (pool && pool.desired < pool.max) {
        const a = new vscode.CodeAction(`Scale pool "${pool.name}" up to ${pool.desired + 1}`, vscode.CodeActionKind.QuickFix);
        a.command = { command: 'chaperone.scalePool', title: a.title, arguments: [{ pool: pool.name, count: pool.desired + 1 }] };
        a.diagnostics = [d];
        a.isPreferred = true;
        out.push(a);
      }
      const edit = raiseThreshold(doc, f);
      if (edit) {
        const a = new vscode.CodeAction(`Raise the ${f.severity} threshold to ${edit.label}`, vscode.CodeActionKind.QuickFix);
        a.edit = edit.edit;
        a.diagnostics = [d];
        out.push(a);
      }
      const dash = new vscode.CodeAction('Open the Chaperone dashboard', vscode.CodeActionKind.QuickFix);
      dash.command = { command: 'chaperone.openDashboard', title: dash.title };
      dash.diagnostics = [d];
      out.push(dash);
    }
    return out;
  }

  private poolFor(f: Finding): { name: string; desired: number; max: number } | undefined {
    const engine = this.host.engine;
    if (!engine) return undefined;
    let name: string | undefined;
    if (f.subject.kind === 'pool') name = f.subject.id;
    else if (f.subject.kind === 'worker') name = f.subject.id.split('/')[0];
    else if (f.subject.kind === 'queue') {
      const id = f.subject.id.slice(f.subject.id.indexOf('/') + 1);
      name = engine.config.pools.find((p) => p.queues.includes(id))?.name;
    }
    const size = name ? engine.poolSize(name) : undefined;
    return name && size ? { name, desired: size.desired, max: size.max } : undefined;
  }
}

/** The breached level's value, replaced with a round number above what was measured. */
function raiseThreshold(doc: vscode.TextDocument, f: Finding): { edit: vscode.WorkspaceEdit; label: string } | undefined {
  if (!f.range) return undefined;
  const root = parseTree(doc.getText());
  const key = root ? findNodeAtOffset(root, f.range.offset) : undefined;
  const prop = key?.parent?.type === 'property' ? key.parent : undefined;
  const value = prop?.children?.[1];
  let target: Node | undefined;
  if (value?.type === 'object') target = value.children?.find((p) => p.children?.[0]?.value === f.severity)?.children?.[1];
  else if (value?.type === 'number') target = value;
  if (!target) return undefined;
  const raised = niceAbove(f.value * 1.25);
  let text: string;
  if (target.type === 'number') text = String(raised);
  else if (target.type === 'string') text = JSON.stringify(durationText(raised));
  else return undefined;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(target.offset), doc.positionAt(target.offset + target.length)), text);
  return { edit, label: text.replace(/"/g, '') };
}
