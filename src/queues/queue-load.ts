// QueueLoadSource (a port of core) on top of the adapters: the counts of every queue the autoscaled
// pools serve, one counts call (one round trip) per system per tick.
import type { QueueLoadSource } from '../core/ports';
import { parseQueueId, queueRef, type SystemName } from '../core/queue-ref';
import type { QueueAdapter } from './contract';

export class AdapterQueueLoad implements QueueLoadSource {
  constructor(private readonly adapters: readonly QueueAdapter[]) {}

  pause(queueId: string): Promise<{ ok: boolean; message: string }> {
    return this.act(queueId, (a, r) => a.pause(r));
  }

  resume(queueId: string): Promise<{ ok: boolean; message: string }> {
    return this.act(queueId, (a, r) => a.resume(r));
  }

  private async act(queueId: string, fn: (a: QueueAdapter, r: ReturnType<typeof queueRef>) => Promise<{ ok: boolean; message: string }>): Promise<{ ok: boolean; message: string }> {
    const id = parseQueueId(queueId);
    const adapter = id ? this.adapters.find((a) => a.system === id.system) : undefined;
    if (!id || !adapter) return { ok: false, message: `no adapter for ${queueId} on the default connection` };
    try {
      return await fn(adapter, queueRef(id.system, adapter.connection, id.name));
    } catch (err) {
      return { ok: false, message: `${queueId}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  async load(queueIds: readonly string[], now: number): Promise<Map<string, { pending: number; active: number; runtimeMs: number | null }>> {
    // Pool queues come from chaperone.json as "SYSTEM:QUEUE" text: parsed once, here.
    const bySystem = new Map<SystemName, string[]>();
    for (const text of queueIds) {
      const id = parseQueueId(text);
      if (id) bySystem.set(id.system, [...(bySystem.get(id.system) ?? []), id.name]);
    }
    const out = new Map<string, { pending: number; active: number; runtimeMs: number | null }>();
    await Promise.all(
      [...bySystem].map(async ([system, names]) => {
        const adapter = this.adapters.find((a) => a.system === system);
        if (!adapter) return; // unknown or unconfigured system: no counts, so no scaling on a guess
        const counts = await adapter.counts(names.map((n) => queueRef(system, adapter.connection, n)), now);
        for (const c of counts) {
          // Ready work: pending plus prioritized (BullMQ); delayed jobs are not due yet.
          out.set(c.queue.id, { pending: c.counts.pending + (c.counts.prioritized ?? 0), active: c.counts.active, runtimeMs: c.runtimeMs });
        }
      }),
    );
    return out;
  }
}
