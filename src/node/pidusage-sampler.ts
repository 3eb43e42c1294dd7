// UsageSampler on pidusage: one call for all pids per tick (on Linux it reads /proc asynchronously).
import pidusage from 'pidusage';
import type { ProcessUsage, UsageSampler } from '../core/ports';

export class PidusageSampler implements UsageSampler {
  async sample(pids: readonly number[]): Promise<Map<number, ProcessUsage>> {
    const out = new Map<number, ProcessUsage>();
    if (pids.length === 0) return out;
    let stats: Record<string, pidusage.Status | undefined>;
    try {
      stats = (await pidusage([...pids])) as Record<string, pidusage.Status | undefined>;
    } catch {
      // With a single pid that just exited pidusage rejects; with several it skips the missing ones.
      return out;
    }
    for (const pid of pids) {
      const s = stats[String(pid)];
      if (s) out.set(pid, { cpu: s.cpu, memoryBytes: s.memory });
    }
    return out;
  }
}
