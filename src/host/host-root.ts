// The editor's composition root: every object is built here, once, and passed to what needs it.
// Nothing else constructs services; tests get the same objects through the returned API.
import { HandlerLenses, LENS_LANGUAGES } from './handler-lenses';
import * as vscode from 'vscode';
import { CONFIG_FILE } from './config-file';
import { registerCommands, type ShownError } from './commands';
import type { CommandContext } from './commands/command';
import { DashboardData } from './dashboard/dashboard-data';
import { DashboardPanel } from './dashboard/dashboard-panel';
import { Diagnostics } from './diagnostics';
import { EngineHost } from './engine-host';
import { JOB_SCHEME, JobDocuments } from './job-documents';
import { JobSourceLinks } from './job-source-links';
import { FailureDiagnostics } from './failure-diagnostics';
import { FailureFixes } from './failure-fixes';
import { LogStreams } from './log-streams';
import { channelAudit, channelLogger } from './log';
import { QuickFixes } from './quick-fixes';
import { SecretStore } from './secret-store';
import { HistoryStore } from './history-store';
import { StatusBar } from './status-bar';
import { QueuesTree } from './views/queues-tree';
import { TenantsTree } from './views/tenants-tree';
import { WorkersTree } from './views/workers-tree';

export interface ChaperoneApi {
  host: EngineHost;
  workers: WorkersTree;
  queues: QueuesTree;
  tenants: TenantsTree;
  statusBar: StatusBar;
  diagnostics: Diagnostics;
  dashboard: DashboardPanel;
  secrets: SecretStore;
  /** When activation finished (ms since the extension host's clock origin) and how long it took. */
  activation: { ms: number };
  /** The last error a command showed (what the user read). */
  lastError: ShownError;
  /** The dashboard's past, saved across reloads. */
  history: HistoryStore;
}

export async function createHost(context: vscode.ExtensionContext): Promise<ChaperoneApi> {
  const t0 = performance.now();
  const channel = vscode.window.createOutputChannel('Chaperone', { log: true });
  const secrets = new SecretStore(context.secrets);
  const host = new EngineHost({
    logger: channelLogger(channel),
    audit: channelAudit(channel),
    prepareSecrets: async (connections, trusted) => {
      secrets.enable(trusted);
      if (trusted) await secrets.load(connections);
    },
    credentials: secrets.credentials,
  });
  const data = new DashboardData({
    signals: () => host.engine?.lastSignals(),
    findings: () => host.engine?.findings() ?? [],
    workers: () => (host.engine ? host.engine.runningWorkers() : 0),
    history: (s, from, to, max) => host.engine?.history(s, from, to, max),
    unread: () => host.engine?.queueErrors() ?? [],
    marks: () => host.engine?.marks() ?? [],
  });
  const dashboard = new DashboardPanel(context.extensionUri, data, channel);
  const onVisibility = (): void => host.setVisible(workers.view.visible || queues.view.visible || tenants.view.visible || dashboard.visible);
  const workers = new WorkersTree(host, onVisibility);
  const queues = new QueuesTree(host, onVisibility);
  const tenants = new TenantsTree(host, onVisibility);
  const statusBar = new StatusBar(host);
  const diagnostics = new Diagnostics(host);
  const logs = new LogStreams(host);
  const jobs = new JobDocuments(host);
  const failures = new FailureDiagnostics(host);
  const lenses = new HandlerLenses(host, failures);
  const history = new HistoryStore(context.storageUri, (m) => channel.info(m));

  const refreshAll = (): void => {
    workers.update();
    queues.update();
    tenants.update();
    statusBar.update();
    diagnostics.update();
  };
  const lastError: ShownError = { message: undefined };
  const ctx: CommandContext = { host, queuesTree: queues, dashboard, diagnostics, secrets, logs, jobs, channel, refreshAll };

  const setContext = (): void => {
    void vscode.commands.executeCommand('setContext', 'chaperone.hasConfig', !!host.loaded?.exists);
    void vscode.commands.executeCommand('setContext', 'chaperone.hasPools', !!host.engine?.config.pools.length || host.others.length > 0);
  };

  context.subscriptions.push(
    channel, host, dashboard, workers, queues, tenants, statusBar, diagnostics, logs, secrets, jobs, failures,
    vscode.workspace.registerTextDocumentContentProvider(JOB_SCHEME, jobs),
    vscode.languages.registerDocumentLinkProvider({ scheme: JOB_SCHEME }, new JobSourceLinks(host)),
    lenses,
    vscode.languages.registerCodeLensProvider(LENS_LANGUAGES.map((language) => ({ language, scheme: 'file' })), lenses),
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new FailureFixes(failures), { providedCodeActionKinds: FailureFixes.kinds }),
    ...registerCommands(ctx, lastError),
    vscode.languages.registerCodeActionsProvider({ pattern: `**/${CONFIG_FILE}` }, new QuickFixes(host, diagnostics), { providedCodeActionKinds: QuickFixes.kinds }),
    dashboard.onDidChangeVisibility(() => onVisibility()),
    host.onDidChange((what) => {
      if (what === 'pools' || what === 'supervisors') workers.update();
      if (what === 'signals') {
        if (host.engine) void history.afterTick(host.engine);
        // Each view, then the dashboard's delta, in a turn of its own: each turn of the shared loop stays short.
        queues.update();
        setImmediate(() => {
          tenants.update();
          workers.update();
          setImmediate(() => {
            dashboard.tick();
            failures.update();
            lenses.update();
          });
        });
      }
      if (what === 'engine') {
        workers.refresh();
        queues.refresh();
        tenants.refresh();
      }
      if (what === 'config' || what === 'engine' || what === 'supervisors') setContext();
      statusBar.update();
      diagnostics.update();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      channel.info('workspace trusted: starting the pools');
      void host.reload();
    }),
  );
  watchConfig(context, host, channel);

  onVisibility();
  await host.start();
  setContext();
  const api: ChaperoneApi = { host, workers, queues, tenants, statusBar, diagnostics, dashboard, secrets, activation: { ms: performance.now() - t0 }, lastError, history };
  channel.info(`Chaperone activated in ${api.activation.ms.toFixed(0)} ms`);
  return api;
}

/** Problems follow every edit of chaperone.json; a valid change asks before the pools restart. */
function watchConfig(context: vscode.ExtensionContext, host: EngineHost, channel: vscode.LogOutputChannel): void {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return;
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, CONFIG_FILE));
  let asked = false;
  let warnedInvalid = false;
  const changed = async (): Promise<void> => {
    const loaded = await host.refreshConfig();
    const running = host.engine?.config.pools.length ?? 0;
    if (loaded?.exists && !loaded.config && running) {
      // Say it once per broken spell, where it is seen: nothing was lost, the old config runs on.
      if (!warnedInvalid) {
        warnedInvalid = true;
        void vscode.window.showWarningMessage(`${CONFIG_FILE} has ${loaded.problems.length} problem(s); the previous configuration keeps running (${running} pool(s)) until the file is valid again.`, 'Show Problems').then((pick) => {
          if (pick) void vscode.commands.executeCommand('workbench.actions.view.problems');
        });
      }
      return;
    }
    if (loaded?.config) warnedInvalid = false;
    if (!host.configChanged || asked || !host.engine) return;
    if (!host.engine.config.pools.length && !host.engine.redisConnected) {
      // Nothing runs yet (no file before): take the new one at once.
      await host.reload();
      return;
    }
    asked = true;
    const pick = await vscode.window.showInformationMessage(`${CONFIG_FILE} changed. Reload Chaperone? Its pools are drained and started again.`, 'Reload', 'Later');
    asked = false;
    if (pick === 'Reload') await vscode.commands.executeCommand('chaperone.reload');
    else channel.info(`${CONFIG_FILE} changed; running the previous version until Chaperone: Reload`);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void changed(), 300);
  };
  context.subscriptions.push(
    watcher,
    watcher.onDidChange(soon),
    watcher.onDidCreate(soon),
    watcher.onDidDelete(soon),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.toString() === vscode.Uri.joinPath(folder.uri, CONFIG_FILE).toString()) soon();
    }),
    { dispose: () => timer && clearTimeout(timer) },
  );
}
