// The bullmq libraries bundled for writes, one per major: a queue is changed only by the library of
// the major that wrote its `meta.version`, because the Lua scripts and key layout differ between
// majors. Adding a major = installing it under an npm alias and one line in LIBRARIES.
import { Queue as Queue6 } from 'bullmq';
import { Queue as Queue5, type ConnectionOptions as Connection5 } from 'bullmq-v5';
import type { RedisClient } from '../redis-client';

/** What Chaperone uses of a bullmq Job, identical in every bundled major. */
export interface BullJob {
  id?: string;
  name: string;
  data: unknown;
  attemptsMade: number;
  timestamp: number;
  failedReason?: string;
  opts: object;
  getState(): Promise<string>;
  retry(state?: 'completed' | 'failed'): Promise<void>;
  promote(): Promise<void>;
  /** With token "0", bullmq moves the job without checking the worker's lock (its own escape hatch). */
  moveToFailed(err: Error, token: string, fetchNext?: boolean): Promise<unknown>;
}

/** What Chaperone uses of a bullmq Queue (never a Worker; an add only to replay a failed job). */
export interface BullQueue {
  getJobs(types: ('waiting' | 'delayed' | 'active' | 'failed' | 'completed' | 'prioritized' | 'waiting-children')[], start: number, end: number, asc: boolean): Promise<(BullJob | undefined)[]>;
  getWorkers(): Promise<{ id?: string; name?: string; rawname?: string; addr?: string; age?: string; idle?: string }[]>;
  getJobState(id: string): Promise<string>;
  remove(id: string): Promise<number>;
  getJobCountByTypes(...types: 'failed'[]): Promise<number>;
  drain(delayed?: boolean): Promise<void>;
  retryJobs(opts: { state: 'failed' }): Promise<void>;
  getJob(id: string): Promise<BullJob | undefined>;
  add(name: string, data: unknown, opts?: object): Promise<BullJob>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  clean(grace: number, limit: number, type: 'completed' | 'failed'): Promise<string[]>;
  close(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

type OpenQueue = (name: string, connection: RedisClient, prefix: string) => BullQueue;

// Both majors take an ioredis instance, so they share the adapter's connection: a Queue (unlike a
// Worker) issues no blocking commands. bullmq 5 is typed against its own ioredis copy; at run time it
// accepts any client with connect/disconnect/duplicate (utils.isRedisInstance), hence the cast.
const LIBRARIES: ReadonlyMap<number, OpenQueue> = new Map<number, OpenQueue>([
  // skipMetasUpdate: a Queue object otherwise writes its own defaults into the queue's meta hash
  // (opts.maxLenEvents back to 10000, its version over the producer's): Chaperone changes no setting.
  [5, (name, connection, prefix) => new Queue5(name, { connection: connection as unknown as Connection5, prefix, skipMetasUpdate: true })],
  [6, (name, connection, prefix) => new Queue6(name, { connection, prefix, skipMetasUpdate: true })],
]);

export const BUNDLED_MAJORS: readonly number[] = [...LIBRARIES.keys()];
/** Reads of queues with no (or an unknown) version use the newest bundled major. */
export const NEWEST_MAJOR = Math.max(...BUNDLED_MAJORS);

export function openQueue(major: number, name: string, connection: RedisClient, prefix: string): BullQueue {
  const open = LIBRARIES.get(major) ?? LIBRARIES.get(NEWEST_MAJOR);
  if (!open) throw new Error('no bullmq library bundled');
  return open(name, connection, prefix);
}

/** "bullmq:5.12.0" -> 5; undefined when absent or unreadable. */
export function majorOf(version: string | null | undefined): number | undefined {
  const m = version ? /(\d+)\.\d+/.exec(version) : null;
  return m ? Number(m[1]) : undefined;
}
