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

/** RQ's timestamps ("2024-01-02T03:04:05.678901Z") to epoch ms; NaN when absent. */
export function rqTime(s: string | null | undefined): number {
  if (!s) return NaN;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,3})?\d*Z?$/.exec(s);
  return m ? Date.parse(`${m[1]}${m[2] ?? ''}Z`) : NaN;
}

