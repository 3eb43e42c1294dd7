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
