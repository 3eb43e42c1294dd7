// Restart on change (horizon:listen, pm2 --watch): a pool's "watch" globs, matched against the paths
// of changed files (relative to the config's folder); after the debounce's quiet time, one rolling
// restart for however many files changed. A change during a restart earns one more afterwards.
import picomatch from 'picomatch';
import type { WatchConfig } from './config/types';
import type { CancelTimer, Clock, Logger } from './ports';

/** Never watched, whatever the globs say: dependencies and VCS data change in bulk and mean nothing. */
export const ALWAYS_IGNORED = ['**/node_modules/**', '**/vendor/**', '**/.git/**', '**/__pycache__/**', '**/*.pyc', '**/.*.swp', '**/*~'];

export class WatchRestart {
  private readonly wanted: (p: string) => boolean;
  private readonly ignored: (p: string) => boolean;
  private timer: CancelTimer | undefined;
  private changedFiles = new Set<string>();
  private restarting = false;
  private again = false;

  constructor(
    readonly pool: string,
    private readonly config: WatchConfig,
    private readonly deps: { clock: Clock; logger: Logger; restart: (files: string[]) => Promise<void> },
  ) {
    this.wanted = picomatch(config.paths, { dot: true });
    this.ignored = picomatch([...ALWAYS_IGNORED, ...config.ignore], { dot: true });
  }

  /** The static folders the globs start from ("app" for "app/**\/*.php"): all a watcher needs to look at. */
  static bases(config: WatchConfig): string[] {
    return [...new Set(config.paths.map((g) => picomatch.scan(g).base || '.'))];
  }

  /** True when a path (relative, forward slashes) is one the pool restarts for. */
  matches(rel: string): boolean {
    return this.wanted(rel) && !this.ignored(rel);
  }

  /** A folder that is ignored entirely, so a watcher need not descend into it. */
  ignoresFolder(rel: string): boolean {
    return this.ignored(`${rel}/x`) && this.ignored(`${rel}/x/y`);
  }

  changed(rel: string): void {
    if (!this.matches(rel)) return;
    if (this.changedFiles.size < 1000) this.changedFiles.add(rel);
    if (this.restarting) {
      this.again = true;
      return;
    }
    this.timer?.();
    this.timer = this.deps.clock.setTimer(this.config.debounceMs, () => void this.fire());
  }

  dispose(): void {
    this.timer?.();
    this.timer = undefined;
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    const files = [...this.changedFiles].sort();
    this.changedFiles.clear();
    this.restarting = true;
    try {
      await this.deps.restart(files);
    } catch (err) {
      this.deps.logger.warn(`pool ${this.pool}: restart after a change failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.restarting = false;
    }
    if (this.again) {
      this.again = false;
      this.timer = this.deps.clock.setTimer(this.config.debounceMs, () => void this.fire());
    }
  }
}
