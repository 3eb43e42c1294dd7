// One Celery task, whole, from what kombu and the result backend keep: the task message (in the
// queue's lists, or prefetched by a worker into `unacked`) with its headers and decoded body, and the
// result (`celery-task-meta-<id>`: status, return value or traceback; name, args and worker where
// result_extended is on). Either may be missing: a task that ran is no longer a message, a task
// without a result backend (or not run yet) has no result.
import { jsonOrNull, type JobDetail, type QueueRef } from '../contract';
import { errorOf } from '../job-detail';

/** Where the message was found: in the queue's lists, or prefetched by a worker. */
export interface CeleryMessage {
  where: 'queued' | 'prefetched';
  raw: string;
}

interface Message {
  headers?: Record<string, unknown> & { id?: string; task?: string; eta?: string | null; retries?: number };
  body?: string;
  properties?: { body_encoding?: string; priority?: number; delivery_info?: { routing_key?: string } };
}

interface Result {
  status?: string;
  result?: unknown;
  traceback?: string | null;
  date_done?: string | null;
  name?: string;
  args?: unknown;
  kwargs?: unknown;
  worker?: string;
  retries?: number;
  queue?: string;
}

/** The headers a task was sent with that say how it runs (Celery's message protocol 2). */
const OPTION_HEADERS = ['eta', 'expires', 'timelimit', 'retries', 'group', 'group_index', 'parent_id', 'root_id', 'origin', 'shadow', 'ignore_result'] as const;

/** The message's id, without decoding its body. */
export function messageId(raw: string): string | undefined {
  const m = jsonOrNull(raw) as Message | null;
  return typeof m?.headers?.id === 'string' ? m.headers.id : undefined;
}

/** Celery writes naive UTC ISO times in results (no "Z"). */
function celeryTime(s: string | null | undefined): number | null {
  if (!s) return null;
  const t = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isFinite(t) ? t : null;
}

export function celeryJobDetail(queue: QueueRef, id: string, message: CeleryMessage | undefined, resultText: string | null): JobDetail | undefined {
  const m = message ? (jsonOrNull(message.raw) as Message | null) : null;
  const r = resultText ? (jsonOrNull(resultText) as Result | null) : null;
  if (!m && !r) return undefined;
  const h = m?.headers ?? {};
  const body = m?.body === undefined ? undefined : m.properties?.body_encoding === 'base64' ? Buffer.from(m.body, 'base64').toString('utf8') : m.body;
  // Without the message, the extended result still holds the call's arguments.
  const text = body ?? (r && (r.args !== undefined || r.kwargs !== undefined) ? JSON.stringify({ args: r.args ?? null, kwargs: r.kwargs ?? null }) : '');
  const options: Record<string, unknown> = {};
  for (const k of OPTION_HEADERS) if (h[k] !== undefined && h[k] !== null) options[k] = h[k];
  if (m?.properties?.priority !== undefined) options.priority = m.properties.priority;
  const eta = celeryTime(h.eta ?? null);
  const done = celeryTime(r?.date_done);
  // The result says what happened last; a message still queued says it has not run (again) yet.
  const state = message ? (message.where === 'prefetched' ? (eta ? 'eta, prefetched by a worker' : 'reserved by a worker') : eta ? 'eta' : 'pending') : (r?.status ?? 'unknown');
  const failed = r?.status === 'FAILURE';
  const detail: JobDetail = {
    id,
    name: h.task ?? r?.name ?? '',
    queue,
    state,
    payload: { text, json: jsonOrNull(text) },
    options,
    timestamps: { enqueued: null, runAt: eta, started: null, finished: r?.status === 'SUCCESS' ? done : null, failed: failed ? done : null },
    // Celery counts retries; the limit is the task's max_retries, which the message does not carry.
    attempts: { made: (h.retries ?? r?.retries ?? 0) + (r?.status && r.status !== 'PENDING' ? 1 : 0), allowed: null },
    error: failed || r?.traceback ? errorOf(r?.traceback ?? '', excMessage(r?.result), true) : null,
  };
  if (r?.status === 'SUCCESS') detail.result = r.result;
  if (r?.worker) detail.worker = r.worker;
  if (r?.status && message) detail.options.lastResult = r.status;
  return detail;
}

/** A failure's result is {exc_type, exc_message, exc_module}: "Type: message". */
function excMessage(result: unknown): string | null {
  const e = result as { exc_type?: string; exc_message?: unknown } | null | undefined;
  if (!e || typeof e !== 'object' || !e.exc_type) return null;
  const msg = Array.isArray(e.exc_message) ? e.exc_message.map(String).join(' ') : String(e.exc_message ?? '');
  return msg;
}
