// What a debug worker needs on the machine, asked once per command (never per sample): a free port
// on 127.0.0.1, and the runtime's debugger (debugpy, Xdebug, the debug gem; Node's inspector is built in).
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import type { DebugRuntime } from '../core/debug-launch';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function runs(cmd: string, args: string[], cwd: string, ok: (out: string) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 10_000 }, (err, stdout) => resolve(!err && ok(String(stdout))));
  });
}

/** True when the runtime's debugger is installed for the pool's own program. */
export function debuggerInstalled(runtime: DebugRuntime, command: readonly string[], cwd: string): Promise<boolean> {
  const prog = path.basename(command[0] ?? '');
  switch (runtime) {
    case 'node': return Promise.resolve(true);
    case 'python': return runs(/^python/.test(prog) ? command[0] : 'python3', ['-c', 'import debugpy'], cwd, () => true);
    case 'php': return runs(command[0], ['-m'], cwd, (out) => /^xdebug$/im.test(out));
    // The gem the launch requires (debug/open_nonstop), looked up as the worker's ruby would.
    case 'ruby': return runs('ruby', ['-e', 'require "debug/version"'], cwd, () => true);
  }
}
