// What `check` and `trends` share: a signals engine built from chaperone.json (or the defaults),
// fed with the counts of every configured queue, the pools of every supervisor seen in Redis, and
// this machine's host figures.
import { parseConfigText } from '../core/config/parse-config';
import type { ChaperoneConfig } from '../core/config/types';
import type { Observation } from '../core/signals/observations';
import { SignalsEngine } from '../core/signals/signals-engine';
import { ControlClient } from '../node/control-client';
import { HostSampler } from '../node/host-sampler';
import { QueueObserver } from '../node/signals/observe-queues';
import { poolObservations, supervisedConsumers } from '../node/signals/signals-sampler';
import type { QueueContext } from './queue-context';

export function engineFor(config: ChaperoneConfig | undefined): { engine: SignalsEngine; config: ChaperoneConfig } {
  const cfg = config ?? parseConfigText('{}', 'chaperone.json').config;
  return { engine: new SignalsEngine(cfg.thresholds, cfg.tenants, cfg.signals, cfg.pools), config: cfg };
}

export class CliObserver {
  private readonly host = new HostSampler();
  private readonly queues: QueueObserver;
  private pools: ReturnType<typeof poolObservations> = [];

  constructor(
    private readonly ctx: QueueContext,
    config: ChaperoneConfig,
  ) {
    this.queues = new QueueObserver(ctx.service, () => supervisedConsumers(this.pools), config.tenants.payloadField);
  }

  /** Host CPU needs two readings: the first call primes it. */
  async prime(): Promise<void> {
    await this.host.sample();
  }

  async observe(now: number): Promise<Observation> {
    const seen = this.ctx.control ? await new ControlClient(this.ctx.control, this.ctx.keyPrefix).supervisors() : [];
    // Pools of the same name on several supervisors are one pool here, their workers side by side.
    const byName = new Map<string, Parameters<typeof poolObservations>[0][number]>();
    for (const s of seen) {
      for (const p of s.snapshot?.pools ?? []) {
        const prev = byName.get(p.name);
        const workers = p.workers.map((w) => ({ ...w, id: seen.length > 1 ? `${s.id}/${w.id}` : w.id }));
        byName.set(p.name, prev ? { ...prev, workers: [...prev.workers, ...workers] } : { ...p, workers });
      }
    }
    this.pools = poolObservations([...byName.values()]);
    const [queues, host] = await Promise.all([this.queues.observe(now), this.host.sample(now)]);
    return { queues, pools: this.pools, host };
  }

  errors(): string[] {
    return [...this.queues.errors.entries()].map(([where, e]) => `${where}: ${e}`);
  }
}
