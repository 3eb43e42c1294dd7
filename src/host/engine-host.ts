// Owns the engine's lifetime in the editor: built from chaperone.json when the workspace is trusted
// (pools, control plane, signals), or for watching only when it is not (no pools, no control plane,
// no stored passwords sent to a host the workspace chose). Samples at 1 Hz while a Chaperone view or
// the dashboard is visible, at the idle interval otherwise.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { parseConfigText } from '../core/config/parse-config';
import { chooseRedis, withRedis } from '../core/config/redis-choice';
import type { ChaperoneConfig } from '../core/config/types';
import type { AuditSink, Logger } from '../core/ports';
import { Engine } from '../engine';
import type { SeenSupervisor } from '../node/control-client';
import type { CredentialSource } from '../node/redis-connection';
import { CONFIG_FILE, configUri, readConfig, type LoadedConfig } from './config-file';

export type HostChange = 'config' | 'pools' | 'signals' | 'supervisors' | 'engine';

export interface EngineHostDeps {
  logger: Logger;
  audit: AuditSink;
  /** Loads the stored passwords of these connections, used only when trusted. */
  prepareSecrets: (connections: ChaperoneConfig['connections'], trusted: boolean) => Promise<void>;
  /** The stored passwords, as the engine's credentials port. */
  credentials: CredentialSource;
}

export const VISIBLE_INTERVAL_MS = 1000;

export class EngineHost implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<HostChange>();
  readonly onDidChange = this.emitter.event;
  engine: Engine | undefined;
  loaded: LoadedConfig | undefined;
  /** Supervisors seen in Redis other than this editor's own (live ones only). */
  others: SeenSupervisor[] = [];
  /** Why the engine could not start, shown in the views. */
  startError: string | undefined;
  /** The config the running engine was built from (to tell a changed file). */
  private runningText = '';
  private visible = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  private starting: Promise<void> | undefined;
  readonly actor = `vscode:${os.userInfo().username}@${os.hostname()}`;

  constructor(private readonly deps: EngineHostDeps) {}

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** The default connection's URL in force (the file's, or CHAPERONE_REDIS_URL, or 127.0.0.1:6379). */
  get redisUrl(): string {
    return this.engine?.queues?.connections.find((c) => c.config.name === 'default')?.config.url ?? this.engine?.config.redis.url ?? 'redis://127.0.0.1:6379';
  }

  /** The config in force: the file's, or every system at its defaults on 127.0.0.1 when there is none. */
  get config(): ChaperoneConfig | undefined {
    return this.engine?.config;
  }

  /** Reads chaperone.json again; a changed file is reported (problems) but the engine is only rebuilt by reload(). */
  async refreshConfig(): Promise<LoadedConfig | undefined> {
    const uri = configUri();
    this.loaded = uri ? await readConfig(uri) : undefined;
    this.emitter.fire('config');
    return this.loaded;
  }

  /** True when the file on disk differs from what the engine runs. */
  get configChanged(): boolean {
    return !!this.loaded?.config && this.fingerprint(this.loaded.config) !== this.runningText;
  }

  async start(): Promise<void> {
    if (this.starting) return this.starting;
    this.starting = this.doStart().finally(() => {
      this.starting = undefined;
      this.emitter.fire('engine');
    });
    this.emitter.fire('engine');
    return this.starting;
  }

  /** True while the engine is being built (taking the workers over from the spawner after a reload). */
  get connecting(): boolean {
    return this.starting !== undefined;
  }

  /**
   * The extension host is going away (a window reload, the window closing): the workers stay with
   * the spawner for supervisor.handoverGrace, and the next extension host of this workspace takes
   * them over; if none comes, the spawner stops them.
   */
  async detach(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    this.subscriptions.splice(0).forEach((d) => d.dispose());
    if (engine) await engine.detach().catch((err: unknown) => this.deps.logger.error(`detach: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async doStart(): Promise<void> {
    const loaded = await this.refreshConfig();
    const fromFile = loaded?.config;
    if (loaded?.exists && !fromFile) {
      this.startError = `${loaded.uri.fsPath} has ${loaded.problems.length} problem(s): see the Problems panel`;
      this.emitter.fire('engine');
      return;
    }
    const trusted = this.trusted;
    const defaults = parseConfigText('{}', loaded?.uri.fsPath ?? 'chaperone.json').config;
    // Untrusted: watch only, and only what the user chose (CHAPERONE_REDIS_URL, else the local
    // Redis): no pool runs and no Redis the workspace names is contacted until the workspace is trusted.
    const useFile = trusted && !!fromFile;
    const config: ChaperoneConfig = useFile ? fromFile : defaults;
    if (!trusted && fromFile) this.deps.logger.info(`untrusted workspace: ${CONFIG_FILE}'s pools and Redis connections wait until you trust this workspace`);
    await this.deps.prepareSecrets(config.connections, trusted);
    // The one order the CLI uses too (core/config/redis-choice.ts); an untrusted file is not consulted.
    const redis = chooseRedis({ env: process.env.CHAPERONE_REDIS_URL, config: useFile ? fromFile : undefined });
    const engine = new Engine({
      config: withRedis(config, redis), logger: this.deps.logger, actor: this.actor, auditToLog: false, credentials: this.deps.credentials,
      controlPlane: useFile,
      signals: { intervalMs: this.visible ? VISIBLE_INTERVAL_MS : config.signals.idleIntervalMs },
    });
    engine.addAuditSink(this.deps.audit);
    this.subscriptions.push(
      toDisposable(engine.onPoolsChanged(() => this.emitter.fire('pools'))),
      toDisposable(engine.onTick(() => this.onTick())),
    );
    try {
      await engine.start();
      this.engine = engine;
      this.runningText = useFile ? this.fingerprint(fromFile) : '';
      this.startError = undefined;
      this.deps.logger.info(`engine started: ${config.pools.length} pool(s), ${config.connections.length} connection(s)${trusted ? '' : ' (untrusted workspace: watching only)'}`);
    } catch (err) {
      this.startError = `Chaperone could not start: ${err instanceof Error ? err.message : String(err)}`;
      this.deps.logger.error(this.startError);
      await engine.shutdown(1000).catch(() => undefined);
    }
    this.emitter.fire('engine');
  }

  /** Drains every pool, then builds the engine again from the current chaperone.json. */
  async reload(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    this.subscriptions.splice(0).forEach((d) => d.dispose());
    this.others = [];
    if (engine) await engine.shutdown().catch((err: unknown) => this.deps.logger.error(`shutdown: ${err instanceof Error ? err.message : String(err)}`));
    this.emitter.fire('engine');
  }

  /** Something Chaperone shows is visible: sample at 1 Hz; else at the idle interval. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    const idle = this.engine?.config.signals.idleIntervalMs ?? 30_000;
    this.engine?.setSampleInterval(visible ? VISIBLE_INTERVAL_MS : idle);
  }

  get isVisible(): boolean {
    return this.visible;
  }

  private onTick(): void {
    this.emitter.fire('signals');
    if (this.visible) void this.readOthers();
  }

  private async readOthers(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    try {
      const seen = await engine.otherSupervisors();
      const changed = JSON.stringify(seen.map((s) => s.snapshot)) !== JSON.stringify(this.others.map((s) => s.snapshot));
      this.others = seen;
      if (changed) this.emitter.fire('supervisors');
    } catch {
      // Redis is down: the queue view says so; the list stays as it was.
    }
  }

  private fingerprint(c: ChaperoneConfig): string {
    // Ranges move when comments change; only what the engine uses counts.
    return JSON.stringify(c, (k, v: unknown) => (k === 'range' || k === 'related' ? undefined : v));
  }

  dispose(): void {
    void this.stop();
    this.emitter.dispose();
  }
}

export function toDisposable(d: { dispose(): void }): vscode.Disposable {
  return new vscode.Disposable(() => d.dispose());
}
