// Sidekiq's (6.x) Redis layout, in one place. An optional namespace (redis-namespace, "ns:")
// prefixes every key, but not the members of `processes` and `queues`.
export class SidekiqKeys {
  constructor(readonly namespace = '') {}
  /** "" or "ns:" */
  get prefix(): string {
    return this.namespace ? `${this.namespace}:` : '';
  }
  queues(): string {
    return `${this.prefix}queues`;
  }
  queue(name: string): string {
    return `${this.prefix}queue:${name}`;
  }
  set(name: 'schedule' | 'retry' | 'dead'): string {
    return `${this.prefix}${name}`;
  }
  processes(): string {
    return `${this.prefix}processes`;
  }
  process(identity: string): string {
    return `${this.prefix}${identity}`;
  }
  /** Running jobs of a process: `:workers` in 6.x before 6.5, `:work` from 6.5. */
  work(identity: string): [string, string] {
    return [`${this.prefix}${identity}:workers`, `${this.prefix}${identity}:work`];
  }
  signals(identity: string): string {
    return `${this.prefix}${identity}-signals`;
  }
}
