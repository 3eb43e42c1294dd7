// The project's own harness around code-server (a real VS Code 1.100 workbench with a Node
// extension host, installed from npm into .vscode-test/ by install-code-server.sh): start it on a
// free port in its own process group, open it in Debian's chromium, stop exactly what we started.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { freePort } from '../helpers/redis-server';
import { ROOT } from '../helpers/paths';

export const CACHE = path.join(ROOT, '.vscode-test');
export const SHOTS = path.join(CACHE, 'screenshots');
export const CODE_SERVER = path.join(CACHE, 'code-server-4.100.3', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export interface CodeServer {
  url: string;
  authority: string;
  /** Ends code-server's whole process group (SIGTERM, then SIGKILL after 5 s; or SIGKILL at once). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** Settings that keep a test workbench quiet and offline. */
export const TEST_SETTINGS = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'window.commandCenter': false,
};

/** trust: Workspace Trust as a user has it (the startup prompt, untrusted until answered); off by default. */
export async function startCodeServer(userDataDir: string, env: NodeJS.ProcessEnv = process.env, opts: { trust?: boolean } = {}): Promise<CodeServer> {
  if (!existsSync(CODE_SERVER)) throw new Error(`code-server is not installed: run test/vscode/install-code-server.sh (expected ${CODE_SERVER})`);
  const port = await freePort();
  const settings = path.join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settings)) {
    mkdirSync(path.dirname(settings), { recursive: true });
    writeFileSync(settings, JSON.stringify({ ...TEST_SETTINGS, 'security.workspace.trust.enabled': !!opts.trust }, null, 2));
  }
  const config = path.join(userDataDir, 'code-server.yaml');
  writeFileSync(config, 'auth: none\n');
  const xdg = (d: string): string => path.join(userDataDir, d);
  const proc: ChildProcess = spawn(CODE_SERVER, [
    '--config', config, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir, '--extensions-dir', path.join(userDataDir, 'extensions'),
    '--disable-telemetry', '--disable-update-check', ...(opts.trust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', '--ignore-last-opened',
  ], {
    detached: true, // its own process group: stop() ends code-server and every extension host it started
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...env, XDG_CONFIG_HOME: xdg('xdg-config'), XDG_DATA_HOME: xdg('xdg-data'), XDG_CACHE_HOME: xdg('xdg-cache') },
  });
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    authority: `127.0.0.1:${port}`,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
      const gone = new Promise((r) => proc.once('exit', r));
      try {
        process.kill(-proc.pid, signal);
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          if (proc.pid) process.kill(-proc.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 5000);
      await gone;
      clearTimeout(t);
    },
  };
}

/** Installs a .vsix into the user data dir's extensions folder, with code-server's own installer. */
export function installExtension(userDataDir: string, vsix: string): void {
  execFileSync(CODE_SERVER, ['--user-data-dir', userDataDir, '--extensions-dir', path.join(userDataDir, 'extensions'), '--install-extension', vsix], {
    stdio: 'pipe',
    env: { ...process.env, XDG_CONFIG_HOME: path.join(userDataDir, 'xdg-config'), XDG_DATA_HOME: path.join(userDataDir, 'xdg-data') },
  });
}

/** The workbench URL for a folder, with extension development / test paths passed as code-server's payload. */
export function workbenchUrl(cs: CodeServer, folder: string, payload: [string, string][] = []): string {
  const remote = (p: string): string => `vscode-remote://${cs.authority}${path.resolve(p)}`;
  const entries = payload.map(([k, v]) => [k, k.endsWith('Path') ? remote(v) : v]);
  return `${cs.url}/?folder=${encodeURIComponent(path.resolve(folder))}${entries.length ? `&payload=${encodeURIComponent(JSON.stringify(entries))}` : ''}`;
}

/** Headless Debian chromium, offline flags (its background connections are refused here). */
export async function launchBrowser(workDir: string): Promise<{ ctx: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(workDir, 'chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--crash-dumps-dir=${profile}/crash`],
    env: { ...process.env, XDG_CONFIG_HOME: `${profile}/xdg-config` },
  });
  return {
    ctx,
    close: async () => {
      await ctx.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
