// Celery's layout on the kombu Redis transport, in one place: queues are lists (plus one list per
// priority step), bindings are sets `_kombu.binding.<exchange>`, prefetched messages live in
// `unacked` / `unacked_index`, and fanout exchanges (events, pidbox) are PUB/SUB channels
// "/<db>.<exchange>[/<routing key>]". kombu's global_keyprefix (5.2+) prefixes keys and channels.
export const SEP = '\x06\x16';
export const PRIORITY_STEPS = [3, 6, 9] as const;

export class CeleryKeys {
  constructor(
    readonly prefix = '',
    readonly db = 0,
  ) {}
  queue(name: string): string {
    return `${this.prefix}${name}`;
  }
  /** The list and its priority lists, lowest step first (as kombu's _size sums them). */
  queueLists(name: string): string[] {
    return [this.queue(name), ...PRIORITY_STEPS.map((p) => `${this.queue(name)}${SEP}${p}`)];
  }
  bindingPattern(): string {
    return `${this.prefix}_kombu.binding.*`;
  }
  binding(exchange: string): string {
    return `${this.prefix}_kombu.binding.${exchange}`;
  }
  unacked(): string {
    return `${this.prefix}unacked`;
  }
  unackedIndex(): string {
    return `${this.prefix}unacked_index`;
  }
  fanout(exchange: string, routingKey = ''): string {
    return `${this.prefix}/${this.db}.${exchange}${routingKey ? `/${routingKey}` : ''}`;
  }
  /** The result backend's record of one task (the Redis backend shares kombu's prefix only when configured so). */
  result(id: string): string {
    return `${this.prefix}celery-task-meta-${id}`;
  }
  resultPattern(): string {
    return `${this.prefix}celery-task-meta-*`;
  }
}

/** The queue names a binding set lists: members are "<routing key>SEP<pattern>SEP<queue>". */
export function queuesOfBinding(members: readonly string[]): string[] {
  return members.map((m) => m.split(SEP)[2]).filter((q): q is string => !!q);
}

/** Celery's own plumbing queues, not task queues. */
export function isPlumbing(exchangeOrQueue: string): boolean {
  return /(^|\.)pidbox$|^celeryev(\.|$)|\.reply\.celery\.pidbox$|^reply\.celery\.pidbox$/.test(exchangeOrQueue);
}
