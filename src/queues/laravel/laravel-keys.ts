// Laravel's (Illuminate Queue, redis driver) Redis layout, in one place.
const SUFFIXES = [':delayed', ':reserved', ':notify'] as const;

export class LaravelKeys {
  /** prefix: the Redis connection prefix (default "laravel_database_"; "laravel-database-" in 13). */
  constructor(readonly prefix = 'laravel_database_') {}
  pending(queue: string): string {
    return `${this.prefix}queues:${queue}`;
  }
  delayed(queue: string): string {
    return `${this.pending(queue)}:delayed`;
  }
  reserved(queue: string): string {
    return `${this.pending(queue)}:reserved`;
  }
  notify(queue: string): string {
    return `${this.pending(queue)}:notify`;
  }
  pattern(): string {
    return `${this.prefix}queues:*`;
  }
  /** The queue name from any of its keys, or undefined for something else. */
  queueFromKey(key: string): string | undefined {
    const head = `${this.prefix}queues:`;
    if (!key.startsWith(head)) return undefined;
    let name = key.slice(head.length);
    for (const s of SUFFIXES) if (name.endsWith(s)) name = name.slice(0, -s.length);
    return name || undefined;
  }
}
