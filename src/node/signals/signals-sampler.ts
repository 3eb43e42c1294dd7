// Runs the signals engine on a timer: each tick reads queue counts, the supervisor's pools and the
// host, feeds the engine, evaluates the rules (with hysteresis) and publishes the findings. Ticks
// never overlap; the interval is short while someone watches and long otherwise.
import type { CancelTimer, Clock, Logger } from '../../core/ports';
import { Emitter } from '../../core/emitter';
import type { Finding } from '../../core/signals/findings';
import type { HostObservation, PoolObservation, QueueObservation } from '../../core/signals/observations';
import type { Signals, SignalsEngine } from '../../core/signals/signals-engine';
import type { HostSampler } from '../host-sampler';
import type { ObservationSink, QueueObserver } from './observe-queues';
import { inTimeSlices, TimeSlicedQueue, yieldToLoop } from '../time-slices';


export interface SignalsSamplerDeps {
  engine: SignalsEngine;
  clock: Clock;
  logger: Logger;
  queues?: QueueObserver;
  pools: () => PoolObservation[];
  host?: HostSampler;
  /** Called after each tick (history persistence, metrics export). */
  afterTick?: (now: number) => Promise<void> | void;
}

export class SignalsSampler {
  readonly ticked = new Emitter<{ at: number; findings: Finding[] }>();
  findings: Finding[] = [];
  /** The figures of the last tick (the exporter reads them instead of computing them again). */
  lastSignals: Signals | undefined;
  lastTickMs = 0;
  private timer: CancelTimer | undefined;
  private busy = false;
  private intervalMs = 0;

  constructor(private readonly deps: SignalsSamplerDeps) {}

  start(intervalMs: number): void {
    this.intervalMs = intervalMs;
    this.schedule(0);
  }

  /** Changes the interval (e.g. when views become visible or hidden); the next tick follows it. */
  setInterval(intervalMs: number): void {
    if (intervalMs === this.intervalMs) return;
    const wasSlower = intervalMs < this.intervalMs;
    this.intervalMs = intervalMs;
    if (wasSlower && this.timer) this.schedule(0);
  }

  stop(): void {
    this.timer?.();
    this.timer = undefined;
    this.intervalMs = 0;
    void this.deps.host?.close();
  }

  async tick(): Promise<Finding[]> {
    if (this.busy) return this.findings;
    this.busy = true;
    const t0 = performance.now();
    try {
      const now = this.deps.clock.now();
      const engine = this.deps.engine;
      const evaluation = engine.beginEvaluation(now);
      // A slice of queues known but not read: figured and held to their rules (hysteresis included).
      const take = (keys: readonly string[]) => engine.stepEvaluation(evaluation, engine.queueBreaches(engine.queueSignalsOf(now, keys)));
      // Each system's queues are worked on as their counts arrive (other systems and connections
      // may still be counting), in turns of the event loop of about a millisecond each (the editor
      // shares this loop).
      const work = new TimeSlicedQueue<QueueObservation>((batch) => engine.observeQueues(evaluation, batch));
      const sink: ObservationSink = {
        // An adapter's flows come before its queues, and go in at once: the queues' figures are
        // built with them.
        flows: (readings) => engine.observe(now, { queues: [], flows: [...readings], pools: [] }),
        queues: (part) => work.push(part),
      };
      // While Redis counts, a turn later (once the counts have gone out): the pools go in (the
      // supervisor's own figures, at hand, ~0.2 ms for 50 workers) and the host is sampled. Done
      // first, they would delay Redis's start; done after the counts, they would add to the tick.
      const meanwhile = yieldToLoop().then(() => {
        engine.observe(now, { queues: [], pools: this.deps.pools() });
        return this.deps.host?.sample(now).catch((err: unknown): HostObservation | undefined => {
          this.deps.logger.warn(`host sampling: ${err instanceof Error ? err.message : String(err)}`);
          return undefined;
        });
      });
      const [, host] = await Promise.all([this.deps.queues?.observe(now, sink), meanwhile]);
      await work.done();
      await yieldToLoop();
      // Queues known but not read this tick (their connection failed): their last figures, as before.
      const unread = engine.queueKeysNotBuilt(now);
      if (unread.length) await inTimeSlices(unread, take, { firstTurnNow: true });
      // The rest in one turn: the host, the totals and the end of the evaluation take ~0.3 ms
      // together for 1000 queues (a turn each cost more than they did).
      if (host) engine.observe(now, { queues: [], pools: [], host });
      const signals = engine.signals(now, engine.builtQueueSignals(now));
      engine.recordDerived(signals);
      engine.stepEvaluation(evaluation, engine.breachesOf(signals, [], true));
      const findings = engine.endEvaluation(evaluation);
      // Published together, so readers never see this tick's figures with the last tick's findings.
      this.lastSignals = signals;
      this.findings = findings;
      await this.deps.afterTick?.(now);
      // Listeners (the editor's views) get their own turn of the loop.
      await yieldToLoop();
      this.ticked.emit({ at: now, findings: this.findings });
      return this.findings;
    } finally {
      this.lastTickMs = performance.now() - t0;
      this.busy = false;
    }
  }

  private schedule(delay: number): void {
    this.timer?.();
    this.timer = this.deps.clock.setTimer(delay, () => {
      if (this.intervalMs <= 0) return;
      this.tick()
        .catch((err: unknown) => this.deps.logger.warn(`signals: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          if (this.intervalMs > 0) this.schedule(this.intervalMs);
        });
    });
  }
}


/** Pool observations from a supervisor snapshot (local or read from Redis). */
export function poolObservations(pools: readonly { name: string; queues: string[]; workers: { id: string; state: string; cpu: number | null; memoryBytes: number | null; restarts: number }[] }[]): PoolObservation[] {
  return pools.map((p) => ({
    name: p.name,
    queues: p.queues,
    running: p.workers.filter((w) => w.state === 'running').length,
    workers: p.workers.map((w) => ({ id: w.id, state: w.state, restarts: w.restarts, ...(w.cpu !== null ? { cpu: w.cpu } : {}), ...(w.memoryBytes !== null ? { memoryBytes: w.memoryBytes } : {}) })),
  }));
}

/** Running supervised workers per queue id. */
export function supervisedConsumers(pools: readonly PoolObservation[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of pools) for (const q of p.queues) out.set(q, (out.get(q) ?? 0) + p.running);
  return out;
}
