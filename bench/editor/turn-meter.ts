// Chaperone's own synchronous steps, timed where they run: each named method of the objects given
// is wrapped, and the time until it returns is kept (for an async method, its synchronous part up
// to the first await). As the loop meter does, a step's time is its wall time less the time the
// thread waited, preempted, on the run queue, less the GC pauses inside it. Beside the loop meter, this says which step a large block comes from.
import { PerformanceObserver } from 'node:perf_hooks';
import { waitedMs } from '../loop-block-meter';

export class TurnMeter {
  private readonly samples = new Map<string, number[]>();
  private readonly restore: (() => void)[] = [];
  private readonly gcs: { start: number; end: number }[] = [];
  private readonly pending: { name: string; start: number; end: number; wait: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  wrap(label: string, target: object | undefined, methods: readonly string[]): void {
    if (!target) return;
    const obj = target as Record<string, unknown>;
    for (const m of methods) {
      const original = obj[m];
      if (typeof original !== 'function') continue;
      const name = `${label}.${m}`;
      // Wrapped on the instance; the prototype's method is called through it.
      obj[m] = (...args: unknown[]): unknown => {
        // The wait is read before the clock starts: reading it (a /proc file) is the meter's own
        // time, 0.02-0.2 ms, and was counted in every step when read after.
        const w0 = waitedMs();
        const t0 = performance.now();
        try {
          return (original as (...a: unknown[]) => unknown).apply(target, args);
        } finally {
          const t1 = performance.now();
          this.pending.push({ name, start: t0, end: t1, wait: waitedMs(t1) - w0 });
          if (this.pending.length > 10_000) this.settle();
        }
      };
      // The instance's own property goes; the prototype's method shows through again.
      this.restore.push(() => Reflect.deleteProperty(obj, m));
    }
  }

  /** GC entries arrive asynchronously: steps are settled against them afterwards. */
  private settle(): void {
    for (const p of this.pending.splice(0)) {
      const gc = this.gcs.reduce((sum, x) => sum + Math.max(0, Math.min(p.end, x.end) - Math.max(p.start, x.start)), 0);
      const ms = Math.max(0, p.end - p.start - p.wait - gc);
      const xs = this.samples.get(p.name) ?? [];
      if (xs.length < 200_000) xs.push(ms);
      this.samples.set(p.name, xs);
    }
    this.gcs.splice(0, Math.max(0, this.gcs.length - 1000));
  }

  /**
   * Each step's 99th percentile and largest time, largest p99 first. The p99 is what the step costs
   * at its worst, tick after tick; the maximum also catches the rare pause the hypervisor takes
   * (steal time, see the loop meter), wherever it falls.
   */
  async largest(): Promise<{ step: string; p99: number; max: number; n: number }[]> {
    await new Promise((r) => setTimeout(r, 50));
    this.settle();
    return [...this.samples].map(([step, xs]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { step, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))], max: s[s.length - 1], n: s.length };
    }).sort((a, b) => b.p99 - a.p99);
  }

  unwrap(): void {
    this.observer.disconnect();
    for (const r of this.restore.splice(0)) r();
  }
}
