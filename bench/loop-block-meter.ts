// The largest event-loop block caused by this process's own code.
//
// A 1 ms interval notes, for every gap between two of its ticks, the wall time and the CPU time this
// process used in it. A gap with little CPU is the scheduler running someone else (50 starting
// workers on 2 cores preempt everybody); a gap full of CPU is this process blocking its loop. The
// block of a gap is min(wall, cpu) less the V8 GC pauses inside it, which are reported on their own
// (GC depends on the whole heap of the process, not on the code under test). CPU is the main
// thread's own run time (Linux schedstat, in ns); elsewhere process.cpuUsage, which counts every
// thread and so gives an upper bound.
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

interface Gap {
  start: number;
  end: number;
  cpu: number;
}

export class LoopBlockMeter {
  private timer: NodeJS.Timeout | undefined;
  private observer: PerformanceObserver | undefined;
  private lastWall = 0;
  private lastCpu = 0;
  private gaps: Gap[] = [];
  private gcs: { start: number; end: number }[] = [];

  start(): void {
    this.gaps = [];
    this.gcs = [];
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcs.push({ start: e.startTime, end: e.startTime + e.duration });
    });
    this.observer.observe({ entryTypes: ['gc'] });
    this.lastWall = performance.now();
    this.lastCpu = cpuMs();
    this.timer = setInterval(() => {
      const wall = performance.now();
      const cpu = cpuMs();
      if (wall - this.lastWall > 2) this.gaps.push({ start: this.lastWall, end: wall, cpu: cpu - this.lastCpu });
      this.lastWall = wall;
      this.lastCpu = cpu;
    }, 1);
  }

  /** Stops and returns the figures (GC entries arrive asynchronously, hence the await). */
  async stop(): Promise<{ maxBlockMs: number; maxDelayMs: number; maxGcMs: number }> {
    if (this.timer) clearInterval(this.timer);
    await new Promise((r) => setTimeout(r, 50));
    this.observer?.disconnect();
    let maxBlockMs = 0;
    let maxDelayMs = 0;
    for (const g of this.gaps) {
      const wall = g.end - g.start;
      const gc = this.gcs.reduce((sum, x) => sum + Math.max(0, Math.min(g.end, x.end) - Math.max(g.start, x.start)), 0);
      maxDelayMs = Math.max(maxDelayMs, wall - 1);
      maxBlockMs = Math.max(maxBlockMs, Math.max(0, Math.min(wall, g.cpu) - gc));
    }
    const maxGcMs = this.gcs.reduce((m, x) => Math.max(m, x.end - x.start), 0);
    return { maxBlockMs, maxDelayMs, maxGcMs };
  }
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const hasSchedstat = ((): boolean => {
  try {
    readFileSync(SCHEDSTAT);
    return true;
  } catch {
    return false;
  }
})();

function cpuMs(): number {
  if (hasSchedstat) return Number(readFileSync(SCHEDSTAT, 'latin1').split(' ')[0]) / 1e6;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
