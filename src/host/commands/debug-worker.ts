// "Chaperone: Debug a Worker of Pool…": one extra worker of a pool of this editor, started under its
// runtime's debugger and attached to (Node, Python, Ruby) or listened for (PHP). It is marked as a
// debug worker, the restart policy leaves it alone, and it stops when the debug session ends (and
// the session ends when it exits). What is missing is named exactly.
import * as vscode from 'vscode';
import { DEBUG_NEEDS, runtimeOf, type DebugRuntime } from '../../core/debug-launch';
import { debuggerInstalled, freePort } from '../../node/debug-tools';
import { UserFacingError, requireTrust } from '../trust';
import type { Engine } from '../../engine';
import type { HostCommand } from './command';
import { pickPool } from './pool-target';

/** How long a worker has to say its debugger listens (Node) before the attach is tried anyway. */
const LISTEN_WAIT_MS = 15_000;

function attachConfig(runtime: DebugRuntime, name: string, port: number, cwd: string): vscode.DebugConfiguration {
  switch (runtime) {
    case 'node': return { type: 'node', request: 'attach', name, address: '127.0.0.1', port, continueOnAttach: true, skipFiles: ['<node_internals>/**'], cwd };
    case 'python': return { type: 'debugpy', request: 'attach', name, connect: { host: '127.0.0.1', port }, justMyCode: true };
    case 'php': return { type: 'php', request: 'launch', name, port, hostname: '127.0.0.1' };
    case 'ruby': return { type: 'rdbg', request: 'attach', name, debugPort: `127.0.0.1:${port}` };
  }
}

export const debugWorker: HostCommand = {
  id: 'chaperone.debugWorker',
  async run(ctx, arg) {
    requireTrust('Debugging a worker');
    const engine = ctx.host.engine;
    if (!engine) throw new UserFacingError('Chaperone is not running here (no chaperone.json, or the workspace is not trusted)');
    const t = await pickPool(ctx.host, arg, 'Debug a worker of pool');
    if (!t) return undefined;
    if (!t.own) throw new UserFacingError(`Pool "${t.pool}" runs on supervisor ${t.supervisor}: a debug worker can only be started by this editor's own supervisor`);
    const config = engine.config.pools.find((p) => p.name === t.pool);
    if (!config) throw new UserFacingError(`No pool "${t.pool}" in chaperone.json`);
    const runtime = runtimeOf(config.command);
    if (!runtime) throw new UserFacingError(`Cannot tell which runtime "${config.command[0]}" is (Node, Python, PHP and Ruby are known): start it under your debugger by hand`);
    const need = DEBUG_NEEDS[runtime];
    const missing: string[] = [];
    if (!vscode.extensions.getExtension(need.extension.id)) missing.push(`the VS Code extension ${need.extension.name}`);
    if (!(await debuggerInstalled(runtime, config.command, config.cwd))) missing.push(need.tool);
    if (missing.length) throw new UserFacingError(`To debug a ${runtime} worker of "${t.pool}", install ${missing.join(', and ')}`);
    const port = await freePort();
    const folder = vscode.workspace.workspaceFolders?.[0];
    const name = `Chaperone: ${t.pool} (debug)`;
    // PHP: the editor listens first and Xdebug calls it; the others listen and the editor attaches.
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((s) => {
        if (s.name === name && !s.parentSession) {
          sub.dispose();
          resolve(s);
        }
      });
    });
    if (runtime === 'php' && !(await vscode.debug.startDebugging(folder, attachConfig(runtime, name, port, config.cwd)))) throw new UserFacingError('The PHP debugger did not start listening');
    const { id, queues } = engine.startDebugWorker(t.pool, runtime, port);
    const stopWorker = (): void => void engine.stopDebugWorker(t.pool, id).catch(() => undefined);
    const worker = () => engine.snapshot().pools.find((p) => p.name === t.pool)?.workers.find((w) => w.id === id);
    if (runtime === 'node') await listening(engine, id);
    if (runtime !== 'php' && !(await vscode.debug.startDebugging(folder, attachConfig(runtime, name, port, config.cwd)))) {
      stopWorker();
      throw new UserFacingError(`The debugger could not attach to ${id} on 127.0.0.1:${port}; the worker was stopped`);
    }
    const session = await Promise.race([started, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
    // The session ends: the worker stops. The worker ends: the session stops.
    const subs: vscode.Disposable[] = [];
    const done = (): void => subs.forEach((s) => s.dispose());
    subs.push(vscode.debug.onDidTerminateDebugSession((s) => {
      if (s === session || (s.name === name && !s.parentSession)) {
        done();
        stopWorker();
      }
    }));
    const poll = setInterval(() => {
      if (worker()) return;
      clearInterval(poll);
      done();
      if (session) void vscode.debug.stopDebugging(session);
    }, 1000);
    subs.push({ dispose: () => clearInterval(poll) });
    const pid = worker()?.pid;
    const reads = queues.length
      ? `; it reads ${queues.map((q) => q.to).join(', ')} (Replay a failed job into it from the job's row)`
      : '; it reads the pool\'s own queues (its command names none of them)';
    void vscode.window.showInformationMessage(`Chaperone: debugging ${id}${pid ? ` (pid ${pid})` : ''} of "${t.pool}" under the ${runtime} debugger on 127.0.0.1:${port}${reads}; it stops with the debug session`);
    return { id, port, runtime, pid, session: session?.id, queues };
  },
};

/** Waits for Node's "Debugger listening on ws://…" on the worker's stderr. */
function listening(engine: Engine, id: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve();
    }, LISTEN_WAIT_MS);
    const sub = engine.onLogLine(({ line }) => {
      if (line.worker === id && /Debugger listening on ws:/.test(line.text)) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}
