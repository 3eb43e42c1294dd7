// What RQ finished since the last reading, per queue (see rq-flow-script.ts), with the runtimes of
// the newest finished jobs from their started_at / ended_at.
import type { FlowReading } from '../../core/signals/flow';
import type { QueueRef } from '../contract';
import type { RedisClient } from '../redis-client';
import { LuaScript } from '../lua-script';
import { RQ_FLOW_LUA } from './rq-flow-script';
import { rqTime, type RqKeys } from './rq-keys';

const RQ_FLOW = new LuaScript(RQ_FLOW_LUA);
const MAX_RUNTIMES = 50;
export const RQ_FLOW_SOURCE = 'RQ finished and failed registries (jobs with result_ttl=0 are not kept)';

type Cursor = [finMax: string, finCount: string, failMax: string, failCount: string];

export class RqFlow {
  private readonly cursors = new Map<string, Cursor>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RqKeys,
  ) {}

  async read(queues: readonly QueueRef[]): Promise<FlowReading[]> {
    if (queues.length === 0) return [];
    const args = queues.flatMap((q) => [q.name, ...(this.cursors.get(q.name) ?? ['', '0', '', '0'])]);
    const rows = (await RQ_FLOW.run(this.redis, 0, this.keys.prefix, String(MAX_RUNTIMES), ...args)) as string[];
    return queues.map((ref, i): FlowReading => {
      const [head, ...times] = rows[i].split('|');
      const [finMax, finCount, finNew, failMax, failCount, failNew] = head.split(',');
      this.cursors.set(ref.name, [finMax, finCount, failMax, failCount]);
      const scope = { kind: 'queue' as const, ref };
      if (Number(finNew) < 0) return { scope, source: RQ_FLOW_SOURCE, kind: 'baseline' };
      const runtimesMs = times.map((t) => {
        const [s, e] = t.split(';').map(rqTime);
        return e - s;
      }).filter((ms) => Number.isFinite(ms) && ms >= 0);
      return { scope, source: RQ_FLOW_SOURCE, kind: 'delta', counts: { completed: Number(finNew), failed: Number(failNew), runtimesMs } };
    });
  }
}

