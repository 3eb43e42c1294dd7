// The real systems' own tools, run as the tests' producers and judges: one script of a fixture
// (php, ruby, python3), its stdout returned, its stderr in the error when it fails.
import { execFile, type ChildProcess } from 'node:child_process';

export function runScript(program: string, file: string, args: readonly string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, [file, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${program} ${file}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Waits for a started worker to be ready; one that never gets there must not outlive the test. */
export async function readyOrKill(w: ChildProcess, ready: () => Promise<unknown>): Promise<ChildProcess> {
  try {
    await ready();
    return w;
  } catch (err) {
    w.kill('SIGKILL');
    throw err;
  }
}
