// The largest event-loop block caused by this process's own code.
//
// A 1 ms interval notes, for every gap between two of its ticks, the wall time and how long the main
// thread waited meanwhile on the run queue, ready but preempted (50 workers on 2 cores preempt
// everybody). The block of a gap is its wall time less that wait, less the V8 GC pauses inside it,
// which are reported on their own (GC depends on the whole heap of the process, not on the code
// under test). The wait is Linux's schedstat run_delay, in ns, accounted exactly each time the
// thread gets the CPU back; the thread's CPU time in the same file is only brought up to date at
// scheduler ticks (4 ms here), too coarse for blocks of a few ms. Without schedstat, the wait is
// taken as the wall time less process.cpuUsage (every thread's: an upper bound on the block).
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

interface Gap {
  start: number;
  end: number;
  /** ms the thread was ready but not running. */
  wait: number;
}

export class LoopBlockMeter {
  private timer: NodeJS.Timeout | undefined;
  private observer: PerformanceObserver | undefined;
  private lastWall = 0;
  private lastWait = 0;
  private startedAt = 0;
  private stealAtStart: number | null = null;
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
    this.startedAt = this.lastWall;
    this.stealAtStart = stealMs();
    this.lastWait = waitedMs(this.lastWall);
    this.timer = setInterval(() => {
      const wall = performance.now();
      const wait = waitedMs(wall);
      if (wall - this.lastWall > 2) this.gaps.push({ start: this.lastWall, end: wall, wait: wait - this.lastWait });
      this.lastWall = wall;
      this.lastWait = wait;
    }, 1);
  }

  /**
   * Stops and returns the figures (GC entries arrive asynchronously, hence the await):
   * - maxBlockMs: the largest block of the whole window;
   * - typicalMaxBlockMs: the largest block of each second, the median over the seconds. On a
   *   virtual machine the hypervisor takes the CPU away now and then (steal time, which no
   *   counter of the guest's thread shows): such a pause looks like a block in any second, with or
   *   without Chaperone, and decides the window's maximum. A block that code causes on every tick
   *   decides the median of the per-second maxima; a rare pause does not;
   * - stealMs: the CPU time the hypervisor took from this machine's CPUs meanwhile (/proc/stat).
   */
  async stop(): Promise<{ maxBlockMs: number; typicalMaxBlockMs: number; maxDelayMs: number; maxGcMs: number; stealMs: number | null }> {
    if (this.timer) clearInterval(this.timer);
    await new Promise((r) => setTimeout(r, 50));
    this.observer?.disconnect();
    let maxBlockMs = 0;
    let maxDelayMs = 0;
    const perSecond = new Map<number, number>();
    for (const g of this.gaps) {
      const wall = g.end - g.start;
      const gc = this.gcs.reduce((sum, x) => sum + Math.max(0, Math.min(g.end, x.end) - Math.max(g.start, x.start)), 0);
      const block = Math.max(0, wall - g.wait - gc);
      maxDelayMs = Math.max(maxDelayMs, wall - 1);
      maxBlockMs = Math.max(maxBlockMs, block);
      const s = Math.floor((g.end - this.startedAt) / 1000);
      perSecond.set(s, Math.max(perSecond.get(s) ?? 0, block));
    }
    const seconds = Math.max(1, Math.floor((performance.now() - this.startedAt) / 1000));
    const maxima = Array.from({ length: seconds }, (_, s) => perSecond.get(s) ?? 0).sort((a, b) => a - b);
    const typicalMaxBlockMs = maxima[Math.floor(maxima.length / 2)];
    const maxGcMs = this.gcs.reduce((m, x) => Math.max(m, x.end - x.start), 0);
    const steal = stealMs();
    return { maxBlockMs, typicalMaxBlockMs, maxDelayMs, maxGcMs, stealMs: steal !== null && this.stealAtStart !== null ? steal - this.stealAtStart : null };
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

/**
 * ms this thread has waited on the run queue so far (schedstat's second field); without schedstat,
 * wall time less the process's CPU time, so that wall - waited is the CPU time.
 */
export function waitedMs(wall = performance.now()): number {
  if (hasSchedstat) return Number(readFileSync(SCHEDSTAT, 'latin1').split(' ')[1]) / 1e6;
  const u = process.cpuUsage();
  return wall - (u.user + u.system) / 1000;
}

/** The steal time of every CPU of this machine so far, in ms (/proc/stat's 8th column, in 10 ms ticks); null elsewhere. */
function stealMs(): number | null {
  try {
    const cpu = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/);
    return Number(cpu[8]) * 10;
  } catch {
    return null;
  }
}
