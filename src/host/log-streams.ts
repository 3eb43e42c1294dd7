// Worker logs in output channels, one per pool: the tail first (through the audited 'logs' verb),
// then new lines as they arrive, streamed from this editor's supervisor. Lines of other supervisors
// are read once (their tail) through the control plane.
import * as vscode from 'vscode';
import type { LogLine } from '../core/worker';
import type { EngineHost } from './engine-host';

export class LogStreams implements vscode.Disposable {
  private readonly channels = new Map<string, { channel: vscode.OutputChannel; worker: string | undefined }>();
  private subscription: { dispose(): void } | undefined;
  private subscribedTo: unknown;

  constructor(private readonly host: EngineHost) {}

  /** Opens (or reuses) the pool's channel, writes the tail, and follows this editor's workers. */
  show(pool: string, worker: string | undefined, tail: LogLine[], follow: boolean): vscode.OutputChannel {
    const name = `Chaperone: ${pool}${worker ? `/${worker}` : ''}`;
    let entry = this.channels.get(name);
    if (!entry) {
      entry = { channel: vscode.window.createOutputChannel(name, 'log'), worker };
      this.channels.set(name, entry);
    }
    entry.channel.clear();
    for (const l of tail) entry.channel.appendLine(format(l));
    entry.channel.show(true);
    if (follow) this.follow();
    return entry.channel;
  }

  private follow(): void {
    const engine = this.host.engine;
    if (!engine || this.subscribedTo === engine) return;
    this.subscription?.dispose();
    this.subscribedTo = engine;
    this.subscription = engine.onLogLine(({ pool, line }) => {
      this.channels.get(`Chaperone: ${pool}`)?.channel.appendLine(format(line));
      this.channels.get(`Chaperone: ${pool}/${line.worker}`)?.channel.appendLine(format(line));
    });
  }

  dispose(): void {
    this.subscription?.dispose();
    for (const e of this.channels.values()) e.channel.dispose();
  }
}

function format(l: LogLine): string {
  return `${new Date(l.at).toISOString()} [${l.worker} ${l.pid} ${l.stream}] ${l.text}`;
}
