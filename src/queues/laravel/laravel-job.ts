// One Laravel job, whole, from where the redis driver keeps it (its payload in the queue's list or
// sorted sets) and, where Horizon runs, Horizon's record of it (status, exception, timestamps).
// The job's command is serialized PHP: shown as text, laid out one property per line.
import { jsonOrNull, type JobDetail, type QueueRef } from '../contract';
import { numOrNull } from '../job-detail';
import { phpSerializedText } from './php-serialized';

/** Where the payload was found: its state, and the sorted set's score (seconds) where it has one. */
export interface LaravelFound {
  state: 'pending' | 'delayed' | 'reserved';
  payload: string;
  score: number | null;
}

/** Horizon's job hash (the fields Horizon's JobRepository writes). */
export type HorizonRecord = Partial<Record<'status' | 'payload' | 'exception' | 'failed_at' | 'completed_at' | 'reserved_at' | 'queue' | 'name', string>>;

interface Payload {
  uuid?: string;
  id?: string;
  displayName?: string;
  job?: string;
  attempts?: number;
  maxTries?: number | null;
  pushedAt?: string | number;
  createdAt?: number;
  data?: { commandName?: string; command?: unknown };
  [option: string]: unknown;
}

/** The payload's options, as Laravel wrote them (what the job was queued with). */
const OPTION_FIELDS = ['maxTries', 'maxExceptions', 'failOnTimeout', 'backoff', 'timeout', 'retryUntil', 'tags', 'type', 'silenced', 'deleteWhenMissingModels'] as const;

/** True when the payload is this job's (the id or uuid at the top level, not some nested model's). */
export function isJob(payload: string, id: string): boolean {
  const p = jsonOrNull(payload) as Payload | null;
  return !!p && (String(p.id) === id || String(p.uuid) === id);
}

export function laravelJobDetail(queue: QueueRef, id: string, found: LaravelFound | undefined, horizon: HorizonRecord | undefined): JobDetail | undefined {
  const text = found?.payload ?? horizon?.payload;
  if (text === undefined) return undefined;
  const p = (jsonOrNull(text) ?? {}) as Payload;
  const options: Record<string, unknown> = {};
  for (const k of OPTION_FIELDS) if (p[k] !== undefined && p[k] !== null) options[k] = p[k];
  const sec = (v: unknown): number | null => {
    const n = numOrNull(v as string | number | null | undefined);
    return n === null || n <= 0 ? null : Math.round(n * 1000);
  };
  const state = found ? found.state : (horizon?.status ?? 'unknown');
  const exception = horizon?.exception ?? '';
  const detail: JobDetail = {
    id,
    name: p.displayName ?? horizon?.name ?? p.job ?? '',
    queue,
    state,
    payload: { text, json: jsonOrNull(text) },
    options,
    timestamps: {
      enqueued: sec(p.pushedAt ?? p.createdAt),
      runAt: found?.state === 'delayed' ? sec(found.score) : null,
      started: sec(horizon?.reserved_at),
      finished: horizon?.status === 'completed' ? sec(horizon.completed_at) : null,
      failed: horizon?.status === 'failed' ? sec(horizon.failed_at) : null,
    },
    // Laravel counts an attempt when a worker reserves the job.
    attempts: { made: typeof p.attempts === 'number' ? p.attempts : 0, allowed: typeof p.maxTries === 'number' ? p.maxTries : null },
    error: exception ? phpError(exception) : null,
  };
  if (found?.state === 'reserved' && found.score !== null) options.reservedUntil = new Date(found.score * 1000).toISOString();
  const command = p.data?.command;
  if (typeof command === 'string') detail.texts = [{ title: `command (serialized PHP, ${p.data?.commandName ?? 'unknown class'})`, text: phpSerializedText(command) }];
  return detail;
}

/** PHP's (string) $exception: "Class: message in /file.php:12\nStack trace:\n#0 …". */
function phpError(text: string): JobDetail['error'] {
  const first = text.split('\n')[0] ?? '';
  const m = /^([A-Za-z_\\][\w\\]*):\s?(.*?)(?: in (\S+):(\d+))?$/.exec(first);
  return { class: m ? m[1] : null, message: m ? m[2] : first, stack: text };
}
