// BullMQ's Redis layout, in one place (mirrors bullmq's own QueueKeys).
export class BullmqKeys {
  constructor(readonly prefix = 'bull') {}
  base(queue: string): string {
    return `${this.prefix}:${queue}:`;
  }
  key(queue: string, part: 'wait' | 'paused' | 'active' | 'prioritized' | 'delayed' | 'completed' | 'failed' | 'waiting-children' | 'meta' | 'events' | 'id'): string {
    return `${this.base(queue)}${part}`;
  }
  job(queue: string, id: string): string {
    return `${this.base(queue)}${id}`;
  }
  /** SCAN pattern that finds every queue: each has a meta hash. */
  metaPattern(): string {
    return `${this.prefix}:*:meta`;
  }
  /** The queue name from a meta key, or undefined for something else. */
  queueFromMeta(key: string): string | undefined {
    const start = this.prefix.length + 1;
    return key.startsWith(`${this.prefix}:`) && key.endsWith(':meta') && key.length > start + 5 ? key.slice(start, -5) : undefined;
  }
}

/** The states whose sizes make up a BullMQ queue's counts, in the order the counts script returns them. */
export const BULLMQ_COUNT_PARTS = ['wait', 'paused', 'active', 'prioritized', 'delayed', 'completed', 'failed', 'waiting-children'] as const;

/**
 * The first stream id after `id` ("ms-seq"): an inclusive bound that means "newer than id" (Redis
 * before 6.2, which BullMQ still runs on, has no exclusive one).
 */
export function nextStreamId(id: string): string {
  const dash = id.indexOf('-');
  const ms = id.slice(0, dash);
  const seq = Number(id.slice(dash + 1));
  if (Number.isSafeInteger(seq + 1)) return `${ms}-${seq + 1}`;
  const big = BigInt(id.slice(dash + 1));
  return big >= 0xffffffffffffffffn ? `${BigInt(ms) + 1n}-0` : `${ms}-${big + 1n}`;
}
