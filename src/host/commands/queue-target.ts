// Which queue (or job) a queue command acts on: a tree node, {queue, connection}, or a quick pick.
import * as vscode from 'vscode';
import type { ActionResult } from '../../queues/contract';
import type { QueueAddress } from '../../queues/queue-service';
import type { EngineHost } from '../engine-host';
import { JOB_SCHEME, parseJobUri } from '../job-documents';
import { UserFacingError, requireTrust } from '../trust';
import type { QueueNode } from '../views/queues-tree';

export interface QueueTarget {
  /** The queue: its reference from a view or a tick, or text from a command's arguments. */
  q: QueueAddress;
  /** SYSTEM:QUEUE, for messages. */
  queue: string;
  jobId?: string;
  state?: string;
}

export interface QueueArgs {
  queue: string;
  connection?: string;
  jobId?: string;
  yes?: boolean;
}

export function isQueueArgs(a: unknown): a is QueueArgs {
  return typeof a === 'object' && a !== null && typeof (a as QueueArgs).queue === 'string';
}

export async function pickQueue(host: EngineHost, arg: unknown, title: string, filter: (q: { pending: number; failed: number; paused: boolean; delayed: number }) => boolean = () => true): Promise<QueueTarget | undefined> {
  if (arg && typeof arg === 'object' && 'kind' in arg) {
    const n = arg as QueueNode;
    if (n.kind === 'queue' || n.kind === 'state') return { q: n.ref, queue: n.ref.id };
    if (n.kind === 'job') return { q: n.ref, queue: n.ref.id, jobId: n.job.id, state: n.state };
  }
  if (arg instanceof vscode.Uri && arg.scheme === JOB_SCHEME) {
    // A job document's title bar: the job it shows.
    const j = parseJobUri(arg);
    if (!j) throw new UserFacingError(`not a job document: ${arg.toString()}`);
    return { q: j.ref, queue: j.ref.id, jobId: j.id };
  }
  if (isQueueArgs(arg)) return { q: { id: arg.queue, connection: arg.connection ?? 'default' }, queue: arg.queue, ...(arg.jobId ? { jobId: arg.jobId } : {}) };
  const queues = (host.engine?.lastSignals()?.queues ?? []).filter(filter);
  if (!queues.length) throw new UserFacingError('No queue to act on (the Queues view lists what Chaperone sees)');
  const pick = await vscode.window.showQuickPick(
    queues.map((q) => ({ label: q.id, description: `${q.connection} · ${q.pending} pending · ${q.failed} failed${q.paused ? ' · paused' : ''}`, q })),
    { title, placeHolder: 'Queue', matchOnDescription: true },
  );
  return pick ? { q: pick.q.ref, queue: pick.q.id } : undefined;
}

/** Runs a write on a queue: trust first, then the service (which refuses read-only profiles); a refusal is an error. */
export async function queueWrite(host: EngineHost, what: string, act: () => Promise<ActionResult>): Promise<ActionResult> {
  requireTrust(what);
  if (!host.engine?.queues) throw new UserFacingError(host.startError ?? 'Chaperone is not running');
  const r = await act();
  if (!r.ok) throw new UserFacingError(r.message);
  return r;
}

export function service(host: EngineHost) {
  const s = host.engine?.queues;
  if (!s) throw new UserFacingError(host.startError ?? 'Chaperone is not running');
  return s;
}
