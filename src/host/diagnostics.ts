// Config problems and findings as diagnostics on chaperone.json, on the range of the rule or pool
// they concern, with related information; quick fixes come from quick-fixes.ts.
import * as vscode from 'vscode';
import type { ConfigProblem } from '../core/config/located-error';
import type { SourceRange } from '../core/config/source-range';
import type { Finding } from '../core/signals/findings';
import type { EngineHost } from './engine-host';

export const DIAGNOSTIC_SOURCE = 'chaperone';
/** Diagnostic.code of a finding: the quick fixes read it back. */
export const FINDING_CODE = 'finding';

export function toRange(r: SourceRange | undefined): vscode.Range {
  if (!r) return new vscode.Range(0, 0, 0, 0);
  const start = new vscode.Position(r.line - 1, r.column - 1);
  return new vscode.Range(start, start.translate(0, Math.max(r.length, 1)));
}

export class Diagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  /** The finding behind each diagnostic, for the quick fixes. */
  readonly findingOf = new WeakMap<vscode.Diagnostic, Finding>();
  private last = '';

  constructor(private readonly host: EngineHost) {}

  update(): void {
    const loaded = this.host.loaded;
    if (!loaded) {
      this.collection.clear();
      return;
    }
    const findings = this.host.engine?.signals?.findings ?? [];
    const key = JSON.stringify([loaded.problems, findings.map((f) => [f.key, f.message, f.range])]);
    if (key === this.last) return;
    this.last = key;
    const uri = loaded.uri;
    const list = loaded.problems.map((p) => problemDiagnostic(p));
    // Findings point into the file only while it is the one the engine runs.
    if (loaded.exists && loaded.config) {
      for (const f of findings) {
        const d = new vscode.Diagnostic(toRange(f.range), f.message, f.severity === 'critical' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        d.source = DIAGNOSTIC_SOURCE;
        d.code = FINDING_CODE;
        d.relatedInformation = (f.related ?? []).map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.range)), r.message));
        this.findingOf.set(d, f);
        list.push(d);
      }
    }
    this.collection.set(uri, list);
  }

  dispose(): void {
    this.collection.dispose();
  }
}

function problemDiagnostic(p: ConfigProblem): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toRange(p.range), p.message, vscode.DiagnosticSeverity.Error);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = 'config';
  return d;
}
