// Stops worker process groups that nobody supervises any more: each gets its pool's stop signal,
// then SIGKILL at its stop timeout. Every signal is preceded by a check that the group still runs
// the process recorded, so a reused pid is never signalled. Used by the reaper (its spawner died)
// and by a supervisor that finds workers of an earlier one it cannot take over.
import { signalGroupPosix, isWindows } from '../platform';
import { isChildAlive, type RuntimeChild } from './runtime-state';

const POLL_MS = 100;

export interface StopChildrenResult {
  stopped: RuntimeChild[];
  killed: RuntimeChild[];
}

function signal(c: RuntimeChild, sig: string): void {
  if (isWindows) {
    try {
      process.kill(c.pid, sig === 'SIGKILL' ? 'SIGKILL' : 'SIGTERM');
    } catch {
      // gone
    }
    return;
  }
  signalGroupPosix(c.pid, sig);
}

export async function stopChildren(children: readonly RuntimeChild[], sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Promise<StopChildrenResult> {
  const started = Date.now();
  const left = new Set<RuntimeChild>();
  for (const c of children) {
    if (!(await isChildAlive(c))) continue;
    signal(c, c.stopSignal);
    left.add(c);
  }
  const stopped: RuntimeChild[] = [];
  const killed: RuntimeChild[] = [];
  while (left.size) {
    await sleep(POLL_MS);
    const now = Date.now();
    for (const c of [...left]) {
      if (!(await isChildAlive(c))) {
        left.delete(c);
        stopped.push(c);
      } else if (now - started >= c.stopTimeoutMs) {
        signal(c, 'SIGKILL');
        left.delete(c);
        killed.push(c);
      }
    }
  }
  return { stopped, killed };
}
