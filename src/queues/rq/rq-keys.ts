// RQ's (1.x; 2.x execution ids, 1.15+ intermediate lists) Redis layout, in one place.
export type RqRegistry = 'wip' | 'finished' | 'failed' | 'scheduled' | 'deferred' | 'canceled';

export class RqKeys {
  constructor(readonly prefix = 'rq:') {}
  queues(): string {
    return `${this.prefix}queues`;
  }
  queue(name: string): string {
    return `${this.prefix}queue:${name}`;
  }
  intermediate(name: string): string {
    return `${this.queue(name)}:intermediate`;
  }
  registry(kind: RqRegistry, queue: string): string {
    return `${this.prefix}${kind}:${queue}`;
  }
  job(id: string): string {
    return `${this.prefix}job:${id}`;
  }
  /** RQ 1.12+: the results (and failures) of a job, a stream. */
  results(id: string): string {
    return `${this.prefix}results:${id}`;
  }
  workers(): string {
    return `${this.prefix}workers`;
  }
  pubsub(worker: string): string {
    return `${this.prefix}pubsub:${worker}`;
  }
  suspended(): string {
    return `${this.prefix}suspended`;
  }
  queueFromKey(key: string): string | undefined {
    const head = `${this.prefix}queue:`;
    return key.startsWith(head) ? key.slice(head.length) : undefined;
  }
}
