// The dashboard panel: one at a time; a snapshot when the page says it is ready (and whenever it
// becomes visible again), then one delta per tick while it is visible. Every message from the page
// is validated against the protocol; anything else is dropped and logged.
import * as vscode from 'vscode';
import { PaintedMessage, ReadyMessage, WebviewRequest, isWebviewToHost, type HostToWebview, type RangeKey } from '../../protocol/dashboard';
import { dashboardHtml } from './dashboard-html';
import type { DashboardData } from './dashboard-data';

const ACTION_COMMANDS = { checkThresholds: 'chaperone.checkThresholds', showFindings: 'workbench.actions.view.problems', openConfig: 'chaperone.openConfig' } as const;

export class DashboardPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private range: RangeKey = '15m';
  private readonly visibility = new vscode.EventEmitter<boolean>();
  readonly onDidChangeVisibility = this.visibility.event;
  /** For tests and the benchmark: what the page reported. */
  readonly received: { ready: number; painted: number[]; rejected: number } = { ready: 0, painted: [], rejected: 0 };
  private readonly posted = { snapshots: 0, deltas: 0 };

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly data: DashboardData,
    private readonly channel: vscode.LogOutputChannel,
  ) {}

  get visible(): boolean {
    return !!this.panel?.visible;
  }

  get stats(): { snapshots: number; deltas: number } {
    return { ...this.posted };
  }

  open(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const root = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel('chaperone.dashboard', 'Chaperone Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [root],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'chaperone.svg');
    this.panel = panel;
    this.ready = false;
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m));
    panel.onDidChangeViewState(() => {
      this.visibility.fire(panel.visible);
      // A hidden webview is torn down: it says ready again when shown, and gets a snapshot then.
      if (!panel.visible) this.ready = false;
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
      this.visibility.fire(false);
    });
    panel.webview.html = dashboardHtml(panel.webview, root, (b, ...p) => vscode.Uri.joinPath(b, ...p));
    this.visibility.fire(true);
    return panel;
  }

  /** After each tick: a delta while the page is visible and ready (a snapshot if the series changed). */
  tick(): void {
    if (!this.panel?.visible || !this.ready) return;
    const delta = this.data.delta(this.range);
    if (delta) {
      this.posted.deltas++;
      this.post({ type: 'delta', delta });
    } else this.sendSnapshot();
  }

  private sendSnapshot(): void {
    this.posted.snapshots++;
    this.post({ type: 'snapshot', snapshot: this.data.snapshot(this.range, Date.now()) });
  }

  private post(m: HostToWebview): void {
    void this.panel?.webview.postMessage(m);
  }

  private onMessage(m: unknown): void {
    if (!isWebviewToHost(m)) {
      this.received.rejected++;
      this.channel.warn(`dashboard: dropped a message that is not in the protocol: ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    if (ReadyMessage.is(m)) {
      this.ready = true;
      this.received.ready++;
      this.sendSnapshot();
    } else if (PaintedMessage.is(m)) {
      if (this.received.painted.length < 100) this.received.painted.push(m.ms);
    } else if (WebviewRequest.is(m)) {
      void this.onRequest(m);
    }
  }

  private async onRequest(m: WebviewRequest): Promise<void> {
    try {
      if (m.method === 'setRange') {
        this.range = m.range;
        this.sendSnapshot();
      } else {
        await vscode.commands.executeCommand(ACTION_COMMANDS[m.action]);
      }
      this.post({ type: 'response', id: m.id, ok: true });
    } catch (err) {
      this.post({ type: 'response', id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Closes the panel (the next open() builds a new page). */
  close(): void {
    this.panel?.dispose();
  }

  /** For tests: post a raw message as if the page had sent it. */
  simulateMessage(m: unknown): void {
    this.onMessage(m);
  }

  dispose(): void {
    this.panel?.dispose();
    this.visibility.dispose();
  }
}
