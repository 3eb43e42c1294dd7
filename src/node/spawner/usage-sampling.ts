// Usage sampling inside the spawner: /proc on Linux, pidusage elsewhere (on macOS pidusage runs
// `ps` per call, which is why this never happens in the host process).
import { execFile } from 'node:child_process';
import pidusage from 'pidusage';
import { ProcStatReader, type Usage } from './proc-stat-reader';

export interface UsageSource {
  sample(pids: readonly number[]): Promise<Usage[]>;
}

function getconf(name: string, fallback: number): Promise<number> {
  return new Promise((resolve) => {
    execFile('getconf', [name], (err, stdout) => {
      const n = Number(String(stdout).trim());
      resolve(err || !Number.isFinite(n) || n <= 0 ? fallback : n);
    });
  });
}

export async function createUsageSource(): Promise<UsageSource> {
  if (process.platform === 'linux') {
    const [ticks, page] = await Promise.all([getconf('CLK_TCK', 100), getconf('PAGESIZE', 4096)]);
    const reader = new ProcStatReader(ticks, page);
    return { sample: async (pids) => reader.sample(pids) };
  }
  return {
    async sample(pids) {
      if (pids.length === 0) return [];
      try {
        const stats = (await pidusage([...pids])) as Record<string, pidusage.Status | undefined>;
        return pids.flatMap((pid) => {
          const s = stats[String(pid)];
          return s ? [{ pid, cpu: s.cpu, memoryBytes: s.memory }] : [];
        });
      } catch {
        return []; // one pid that just exited makes pidusage reject
      }
    },
  };
}
