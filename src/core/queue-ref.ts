// A queue's identity, kept whole through the pipeline (adapters -> observations -> signals -> views
// and commands): what it is, never re-parsed from a string downstream. Text from outside (argv,
// a command's arguments) is parsed once, here.

export type SystemName = 'laravel' | 'bullmq' | 'sidekiq' | 'rq' | 'celery';
export const SYSTEM_NAMES: readonly SystemName[] = ['laravel', 'bullmq', 'sidekiq', 'rq', 'celery'];

export interface QueueRef {
  system: SystemName;
  connection: string;
  name: string;
  /** SYSTEM:QUEUE, e.g. "bullmq:mail". */
  id: string;
}

export function queueRef(system: SystemName, connection: string, name: string): QueueRef {
  return { system, connection, name, id: `${system}:${name}` };
}

/** "<connection>/<SYSTEM:QUEUE>": unique across connections (map keys, tree ids). */
export function queueKey(ref: Pick<QueueRef, 'connection' | 'id'>): string {
  return `${ref.connection}/${ref.id}`;
}

/** A queue as people read it: "SYSTEM:QUEUE" on the default connection, "<connection>/SYSTEM:QUEUE" elsewhere. */
export function queueLabel(ref: Pick<QueueRef, 'connection' | 'id'>): string {
  return ref.connection === 'default' ? ref.id : `${ref.connection}/${ref.id}`;
}

export function isSystemName(s: string): s is SystemName {
  return (SYSTEM_NAMES as readonly string[]).includes(s);
}

/** "SYSTEM:QUEUE" as typed by a person or a config file; undefined when it is not one. */
export function parseQueueId(text: string): { system: SystemName; name: string } | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return undefined;
  const system = text.slice(0, colon);
  return isSystemName(system) ? { system, name: text.slice(colon + 1) } : undefined;
}
