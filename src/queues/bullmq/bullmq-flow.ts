// What finished on BullMQ queues since the last reading (see bullmq-flow-script.ts): one cursor per
// queue, kept here; counts from the events stream, or from the metrics hashes (where workers keep
// them) when the stream was trimmed past the cursor; runtimes from the completed jobs whose hashes
// are still there.
import type { FlowReading } from '../../core/signals/flow';
import type { QueueRef } from '../contract';
import { groupByNode, type RedisClient } from '../redis-client';
import { chunked } from '../queue-discovery';
import { LuaScript, scriptsByNode } from '../lua-script';
import { BULLMQ_FLOW_CHUNK, BULLMQ_FLOW_LUA, BULLMQ_FLOW_MAX_EVENTS, BULLMQ_FLOW_MAX_ROUNDS, BULLMQ_FLOW_MAX_RUNTIMES } from './bullmq-flow-script';
import type { BullmqKeys } from './bullmq-keys';

const BULLMQ_FLOW = new LuaScript(BULLMQ_FLOW_LUA, { crossSlot: true });

interface Cursor {
  id: string;
  added: string;
  metrics: { completed: number; failed: number } | undefined;
}

export const EVENTS_SOURCE = 'BullMQ events stream';
export const METRICS_SOURCE = 'BullMQ metrics';

export class BullmqFlow {
  private readonly cursors = new Map<string, Cursor>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: BullmqKeys,
  ) {}

  async read(queues: readonly QueueRef[]): Promise<FlowReading[]> {
    const acc = new Map<string, FlowReading>();
    let due = [...queues];
    for (let round = 0; round < BULLMQ_FLOW_MAX_ROUNDS && due.length > 0; round++) {
      const more: QueueRef[] = [];
      const anchor = (q: QueueRef) => this.keys.key(q.name, 'meta');
      const chunks = groupByNode(this.redis, due, anchor).flatMap((g) => chunked(g, BULLMQ_FLOW_CHUNK));
      const res = await scriptsByNode(this.redis, chunks, (c) => anchor(c[0]), (pipe, c, mode) => {
        const args = c.flatMap((q) => {
          const cur = this.cursors.get(q.name);
          return [q.name, cur?.id ?? '', cur?.added ?? '-1'];
        });
        BULLMQ_FLOW.queue(pipe, this.redis, mode, 1, anchor(c[0]), this.keys.prefix, String(BULLMQ_FLOW_MAX_EVENTS), String(BULLMQ_FLOW_MAX_RUNTIMES), ...args);
      });
      chunks.forEach((chunk, ci) => {
        const [[err, rows]] = res[ci];
        if (err) throw err;
        chunk.forEach((q, qi) => {
          const reading = this.parse(q, (rows as string[])[qi]);
          if (reading.more) more.push(q);
          acc.set(q.name, merge(acc.get(q.name), reading.reading));
        });
      });
      due = more;
    }
    return queues.map((q) => acc.get(q.name) as FlowReading);
  }

  private parse(queue: QueueRef, row: string): { reading: FlowReading; more: boolean } {
    const p = row.split(',');
    const scope = { kind: 'queue' as const, ref: queue };
    const metricsOf = (c: string, f: string) => (c !== '' || f !== '' ? { completed: Number(c) || 0, failed: Number(f) || 0 } : undefined);
    if (p[0] === 'B') {
      const metrics = metricsOf(p[3], p[4]);
      this.cursors.set(queue.name, { id: p[1], added: p[2], metrics });
      return { reading: { scope, source: EVENTS_SOURCE, kind: 'baseline' }, more: false };
    }
    const [, id, added, completed, failed, lost, more, mc, mf, rts] = p;
    const prev = this.cursors.get(queue.name);
    const metrics = metricsOf(mc, mf);
    this.cursors.set(queue.name, { id, added, metrics });
    const runtimesMs = rts ? rts.split(';').map(Number) : [];
    const lostN = Number(lost);
    // The events are read whole unless the stream was trimmed past our cursor; then the metrics
    // (where workers keep them) still count what no trimming touches. Both are written by the same
    // script as the job finishes and read here in one script: they agree to the job.
    if (lostN !== 0 && metrics && prev?.metrics && metrics.completed >= prev.metrics.completed && metrics.failed >= prev.metrics.failed) {
      return { reading: { scope, source: METRICS_SOURCE, kind: 'delta', counts: { completed: metrics.completed - prev.metrics.completed, failed: metrics.failed - prev.metrics.failed, runtimesMs } }, more: more === '1' };
    }
    return { reading: { scope, source: EVENTS_SOURCE, kind: 'delta', counts: { completed: Number(completed), failed: Number(failed), runtimesMs, lost: lostN < 0 ? null : lostN } }, more: more === '1' };
  }
}

/** Two readings of one queue in one call (a queue read in rounds): the counts add up. */
function merge(a: FlowReading | undefined, b: FlowReading): FlowReading {
  if (!a || a.kind !== 'delta' || b.kind !== 'delta') return a && a.kind === 'baseline' ? a : b;
  const lost = a.counts.lost === null || b.counts.lost === null ? null : (a.counts.lost ?? 0) + (b.counts.lost ?? 0);
  return {
    scope: b.scope, source: b.source, kind: 'delta',
    counts: {
      completed: a.counts.completed + b.counts.completed,
      failed: (a.counts.failed ?? 0) + (b.counts.failed ?? 0),
      runtimesMs: [...a.counts.runtimesMs, ...b.counts.runtimesMs],
      lost,
    },
  };
}
