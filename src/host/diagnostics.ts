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
/** The Problems panel gets at most this many findings (a thousand idle queues would drown it). */
export const MAX_FINDING_DIAGNOSTICS = 200;

export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function toRange(r: SourceRange | undefined): vscode.Range {
  if (!r) return new vscode.Range(0, 0, 0, 0);
  const start = new vscode.Position(r.line - 1, r.column - 1);
  return new vscode.Range(start, start.translate(0, Math.max(r.length, 1)));
}

export class Diagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  /**
   * The finding behind each diagnostic, for the quick fixes. Keyed by place and message: the
   * diagnostics a code action provider receives are copies, not the objects set here.
   */
  private readonly findings = new Map<string, Finding>();

  findingOf(d: vscode.Diagnostic): Finding | undefined {
    return this.findings.get(diagnosticKey(d));
  }
  private lastProblems: unknown;
  private lastFindings: readonly Finding[] = [];

  constructor(private readonly host: EngineHost) {}

  update(): void {
    const loaded = this.host.loaded;
    if (!loaded) {
      this.collection.clear();
      return;
    }
    const findings = this.host.engine?.findings() ?? [];
    // The engine reuses a finding object while its figures stay the same: identity tells a change
    // without building anything per tick.
    if (loaded.problems === this.lastProblems && sameItems(findings, this.lastFindings)) return;
    this.lastProblems = loaded.problems;
    this.lastFindings = [...findings];
    const uri = loaded.uri;
    const list = loaded.problems.map((p) => problemDiagnostic(p));
    this.findings.clear();
    // Findings point into the file only while it is the one the engine runs.
    if (loaded.exists && loaded.config) {
      const thresholdsKey = loaded.config.thresholds.range;
      for (const f of findings.slice(0, MAX_FINDING_DIAGNOSTICS)) {
        // A built-in rule has no line of its own: on the "thresholds" key as information where the
        // file has one, else only in the views and the dashboard (never at line 1).
        if (!f.range && !thresholdsKey) continue;
        const severity = !f.range ? vscode.DiagnosticSeverity.Information : f.severity === 'critical' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
        const d = new vscode.Diagnostic(toRange(f.range ?? thresholdsKey), f.range ? f.message : `${f.message} (built-in rule: set it under "thresholds" to change it)`, severity);
        d.source = DIAGNOSTIC_SOURCE;
        d.code = FINDING_CODE;
        d.relatedInformation = (f.related ?? []).map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.range)), r.message));
        this.findings.set(diagnosticKey(d), f);
        list.push(d);
      }
      if (findings.length > MAX_FINDING_DIAGNOSTICS) {
        const more = new vscode.Diagnostic(toRange(undefined), `…and ${findings.length - MAX_FINDING_DIAGNOSTICS} more findings (chaperone check lists them all)`, vscode.DiagnosticSeverity.Information);
        more.source = DIAGNOSTIC_SOURCE;
        list.push(more);
      }
    }
    this.collection.set(uri, list);
  }

  dispose(): void {
    this.collection.dispose();
  }
}

function diagnosticKey(d: vscode.Diagnostic): string {
  return `${d.range.start.line}:${d.range.start.character}:${d.message}`;
}

function problemDiagnostic(p: ConfigProblem): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toRange(p.range), p.message, vscode.DiagnosticSeverity.Error);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = 'config';
  return d;
}
