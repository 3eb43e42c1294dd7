// A code lens above each job handler the queue systems name (src/core/handlers-in-source.ts): the
// last hour's runs and failures and the runtime percentiles where the system records them, each
// qualified as it is known (≥ until an hour has been read), or "unknown" with the reason where the
// system keeps no such figure per handler. RQ and Laravel's failures per handler are the failed jobs
// the failure diagnostics read. Re-asked only when a title would change.
import * as vscode from 'vscode';
import { handlersIn, type HandlerSite } from '../core/handlers-in-source';
import type { EngineHost } from './engine-host';
import type { FailureDiagnostics } from './failure-diagnostics';
import { lensTitle, type LensFigures } from './handler-lens-titles';

export const LENS_LANGUAGES = ['javascript', 'typescript', 'javascriptreact', 'typescriptreact', 'ruby', 'php', 'python'];

export class HandlerLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sites = new Map<string, { version: number; sites: HandlerSite[] }>();
  private lastTitles = '';

  constructor(
    private readonly host: EngineHost,
    private readonly failures: FailureDiagnostics,
  ) {}

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const figures = this.figures();
    return this.sitesOf(doc).flatMap((s) => {
      const title = lensTitle(s, figures);
      return title === undefined ? [] : [new vscode.CodeLens(new vscode.Range(s.line, 0, s.line, 0), { title, command: 'chaperone.openDashboard', tooltip: 'Chaperone: open the dashboard' })];
    });
  }

  /** After a tick: the lenses are asked again only when a visible one would read differently. */
  update(): void {
    const figures = this.figures();
    const titles = vscode.window.visibleTextEditors.flatMap((e) => this.sitesOf(e.document).map((s) => lensTitle(s, figures) ?? '')).join('\n');
    if (titles === this.lastTitles) return;
    this.lastTitles = titles;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }

  private figures(): LensFigures {
    return { queues: this.host.engine?.lastSignals()?.queues, failures: (site) => this.failures.failuresOf(site) };
  }

  private sitesOf(doc: vscode.TextDocument): HandlerSite[] {
    if (!LENS_LANGUAGES.includes(doc.languageId) || doc.uri.scheme !== 'file') return [];
    const key = doc.uri.toString();
    const hit = this.sites.get(key);
    if (hit?.version === doc.version) return hit.sites;
    const sites = handlersIn(doc.getText(), doc.languageId, doc.uri.path.split('/').pop());
    if (this.sites.size > 200) this.sites.clear();
    this.sites.set(key, { version: doc.version, sites });
    return sites;
  }
}
