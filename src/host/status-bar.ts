// One status bar item, updated in place: health, workers and queued jobs; the background turns
// for warning / critical findings; the tooltip lists the top findings; a click opens the dashboard.
import * as vscode from 'vscode';
import { alerting, type Finding } from '../core/signals/findings';
import { sameItems } from './diagnostics';
import type { EngineHost } from './engine-host';
import { queuedTotal } from './figures';

export function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export class StatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('chaperone.status', vscode.StatusBarAlignment.Left, 50);
  private last = '';
  private lastFindings: readonly Finding[] = [];

  constructor(private readonly host: EngineHost) {
    this.item.name = 'Chaperone';
    this.item.command = 'chaperone.openDashboard';
    this.update();
    this.item.show();
  }

  update(): void {
    const engine = this.host.engine;
    const findings = engine?.findings() ?? [];
    const workers = engine ? engine.runningWorkers() : 0;
    // Built-in rules alarm only once sustained, and as warnings (findings.ts: alerting).
    const alarms = alerting(findings, Date.now());
    const critical = alarms.filter((f) => f.severity === 'critical');
    const warning = alarms.filter((f) => f.severity === 'warning');
    const icon = this.host.startError ? '$(error)' : critical.length ? '$(error)' : warning.length ? '$(warning)' : '$(pulse)';
    // While the engine connects (after a reload it takes the workers over), no count is shown: 0 would be a lie.
    // Before the first tick the queues are not counted yet ("…"); a connection that could not be
    // read makes the total a lower bound ("≥"), or unknown ("?") when nothing was read: never a 0.
    const unread = engine?.queueErrors() ?? [];
    const queued = queuedTotal(engine?.lastSignals()?.queues, unread);
    const queuedText = !queued ? '… queued' : queued.value === null ? '? queued' : `${queued.lowerBound ? '≥' : ''}${compact(queued.value)} queued`;
    const text = !engine && this.host.connecting ? '$(sync~spin) Chaperone: connecting…' : `${icon} Chaperone: ${workers} worker${workers === 1 ? '' : 's'} · ${queuedText}`;
    const bg = this.host.startError || critical.length ? 'statusBarItem.errorBackground' : warning.length ? 'statusBarItem.warningBackground' : '';
    const key = `${text}|${bg}|${this.host.startError ?? ''}|${unread.join('|')}`;
    if (key === this.last && sameItems(findings, this.lastFindings)) return; // nothing changed: no work for the renderer
    this.last = key;
    this.lastFindings = [...findings];
    this.item.text = text;
    this.item.backgroundColor = bg ? new vscode.ThemeColor(bg) : undefined;
    this.item.tooltip = tooltip(findings, this.host.startError, unread);
    this.item.accessibilityInformation = { label: `Chaperone: ${workers} workers, ${queued ? (queued.value ?? 'unknown') : 'not yet counted'} queued, ${critical.length} critical and ${warning.length} warning findings` };
  }

  dispose(): void {
    this.item.dispose();
  }
}

function tooltip(findings: readonly Finding[], error: string | undefined, unread: readonly string[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['chaperone.openDashboard', 'chaperone.checkThresholds'] };
  if (error) md.appendMarkdown(`$(error) ${escape(error)}\n\n`);
  for (const u of unread) md.appendMarkdown(`$(debug-disconnect) not counted: ${escape(u)}\n\n`);
  if (!findings.length) md.appendMarkdown('$(pass) No threshold breached\n\n');
  const sorted = [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  for (const f of sorted.slice(0, 5)) md.appendMarkdown(`${f.builtIn ? '$(info)' : f.severity === 'critical' ? '$(error)' : '$(warning)'} ${escape(f.message)}${f.builtIn ? ' (built-in rule)' : ''}\n\n`);
  if (sorted.length > 5) md.appendMarkdown(`…and ${sorted.length - 5} more in the Problems panel\n\n`);
  md.appendMarkdown('[Open dashboard](command:chaperone.openDashboard) · [Check now](command:chaperone.checkThresholds)');
  return md;
}

function escape(s: string): string {
  // Only what would start markdown or HTML inside a line (queue names are often "a-b.c").
  return s.replace(/[\\`*_[\]<>|]/g, '\\$&');
}
