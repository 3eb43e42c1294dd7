// What every command gets: the objects built by the composition root, passed in (no locator).
import type * as vscode from 'vscode';
import type { DashboardPanel } from '../dashboard/dashboard-panel';
import type { Diagnostics } from '../diagnostics';
import type { JobDocuments } from '../job-documents';
import type { EngineHost } from '../engine-host';
import type { LogStreams } from '../log-streams';
import type { SecretStore } from '../secret-store';
import type { QueuesTree } from '../views/queues-tree';

export interface CommandContext {
  host: EngineHost;
  queuesTree: QueuesTree;
  dashboard: DashboardPanel;
  diagnostics: Diagnostics;
  secrets: SecretStore;
  logs: LogStreams;
  jobs: JobDocuments;
  channel: vscode.LogOutputChannel;
  /** Refreshes every view, the status bar and the diagnostics at once. */
  refreshAll: () => void;
}

export interface HostCommand {
  id: string;
  run(ctx: CommandContext, ...args: unknown[]): unknown;
}
