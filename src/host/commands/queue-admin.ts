// What the CLI can do to a queue, a job or a system's workers, from the Queues view's menus and the
// palette: purge, clean, kill (Sidekiq), mark failed (BullMQ), restart a system's workers, suspend
// and resume RQ, and a queue's trends. Destructive ones confirm with what they will touch (counts
// from the last tick); each shows its result or its error. Tests pass {yes: true} (and the values a
// prompt would ask) in the arguments.
import * as vscode from 'vscode';
import { queueLabel, type SystemName } from '../../core/queue-ref';
import { explainFigure } from '../../core/signals/figure';
import { formatDuration, parseDuration } from '../../core/units';
import { UserFacingError } from '../trust';
import type { QueueNode } from '../views/queues-tree';
import { queueFigureLines } from '../views/queue-row';
import type { CommandContext, HostCommand } from './command';
import { pickQueue, queueWrite, service } from './queue-target';

interface Extra {
  yes?: boolean;
  state?: 'completed' | 'failed';
  olderThan?: string;
  reason?: string;
}

const extra = (arg: unknown, more: unknown): Extra => ({ ...(typeof arg === 'object' && arg !== null && !('kind' in arg) ? (arg as Extra) : {}), ...(typeof more === 'object' && more !== null ? (more as Extra) : {}) });

async function confirm(e: Extra, message: string, action: string): Promise<boolean> {
  if (e.yes) return true;
  return (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action;
}

function signalOf(ctx: CommandContext, q: { id: string; connection?: string }) {
  return ctx.host.engine?.lastSignals()?.queues.find((s) => s.id === q.id && s.connection === (q.connection ?? 'default'));
}

export const purgeQueue: HostCommand = {
  id: 'chaperone.purgeQueue',
  async run(ctx, arg, more) {
    const t = await pickQueue(ctx.host, arg, 'Purge a queue (delete its pending jobs)', (q) => q.pending > 0);
    if (!t) return undefined;
    const s = signalOf(ctx, { id: t.queue, connection: 'connection' in t.q ? t.q.connection : undefined });
    const what = s ? `${s.pending} pending job(s)${s.ref.system === 'laravel' ? `, ${s.delayed} delayed and ${s.active} reserved (as queue:clear)` : ''}` : 'every pending job';
    if (!(await confirm(extra(arg, more), `Delete the ${what} of ${t.queue}? This cannot be undone.`, 'Purge'))) return undefined;
    const r = await queueWrite(ctx.host, `Purging ${t.queue}`, () => service(ctx.host).purge(t.q));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    return r;
  },
};

export const cleanQueue: HostCommand = {
  id: 'chaperone.cleanQueue',
  async run(ctx, arg, more) {
    const t = await pickQueue(ctx.host, arg, 'Clean finished jobs');
    if (!t) return undefined;
    const e = extra(arg, more);
    // Sidekiq keeps no finished jobs: what it can clean is its dead set (failed), so nothing to pick.
    const picked = e.state ?? (t.queue.startsWith('sidekiq:') ? 'failed' : await vscode.window.showQuickPick(['completed', 'failed'], { title: `Clean which finished jobs of ${t.queue}?` }));
    const state = picked === 'completed' || picked === 'failed' ? picked : undefined;
    if (!state) return undefined;
    const age = e.olderThan ?? (await vscode.window.showInputBox({ title: `Remove ${state} jobs of ${t.queue} older than…`, value: '1h', validateInput: (v) => (parseDuration(v) === undefined ? 'A duration: 30m, 1h, 7d' : undefined) }));
    if (age === undefined) return undefined;
    const graceMs = parseDuration(age);
    if (graceMs === undefined) throw new UserFacingError(`"${age}" is not a duration (30m, 1h, 7d)`);
    if (!(await confirm(e, `Remove ${state} jobs of ${t.queue} older than ${formatDuration(graceMs)} (at most 1000)?`, 'Clean'))) return undefined;
    const r = await queueWrite(ctx.host, `Cleaning ${t.queue}`, () => service(ctx.host).clean(t.q, state, graceMs, 1000));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    return r;
  },
};

export const killJob: HostCommand = {
  id: 'chaperone.killJob',
  async run(ctx, arg, more) {
    const t = await pickQueue(ctx.host, arg, 'Kill a job (to the dead set)');
    if (!t?.jobId) throw new UserFacingError('Kill a retrying or scheduled Sidekiq job from its row');
    const id = t.jobId;
    if (!(await confirm(extra(arg, more), `Move job ${id} of ${t.queue} to the dead set? Sidekiq will not run it again unless it is retried from there.`, 'Kill'))) return undefined;
    const r = await queueWrite(ctx.host, `Killing job ${id}`, () => service(ctx.host).kill(t.q, id));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    return r;
  },
};

export const markJobFailed: HostCommand = {
  id: 'chaperone.markJobFailed',
  async run(ctx, arg, more) {
    const t = await pickQueue(ctx.host, arg, 'Mark a running job failed');
    if (!t?.jobId) throw new UserFacingError('Mark a running BullMQ job failed from its row');
    const id = t.jobId;
    const e = extra(arg, more);
    const reason = e.reason ?? (await vscode.window.showInputBox({ title: `Mark job ${id} of ${t.queue} failed`, prompt: 'The reason recorded as its failedReason', value: 'marked failed from the editor' }));
    if (reason === undefined) return undefined;
    if (!(await confirm(e, `Mark job ${id} of ${t.queue} failed? Its handler is NOT stopped: BullMQ cannot stop it from outside; it keeps running in its worker.`, 'Mark failed'))) return undefined;
    const r = await queueWrite(ctx.host, `Marking job ${id} failed`, () => service(ctx.host).markFailed(t.q, id, reason));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    return r;
  },
};

/** A system row of the Queues view ({system, connection} from tests). */
function systemTarget(arg: unknown): { system: SystemName; connection: string } {
  if (arg && typeof arg === 'object' && (arg as QueueNode).kind === 'system') {
    const n = arg as Extract<QueueNode, { kind: 'system' }>;
    return { system: n.system, connection: n.connection };
  }
  if (arg && typeof arg === 'object' && typeof (arg as { system?: unknown }).system === 'string') {
    const a = arg as { system: SystemName; connection?: string };
    return { system: a.system, connection: a.connection ?? 'default' };
  }
  throw new UserFacingError('Act on a system from its row in the Queues view (bullmq, laravel, …)');
}

export const restartSystemWorkers: HostCommand = {
  id: 'chaperone.restartSystemWorkers',
  async run(ctx, arg, more) {
    const s = systemTarget(arg);
    const how = s.system === 'laravel' ? 'queue:restart: every worker exits after its current job' : 'each exits after its current job';
    if (!(await confirm(extra(arg, more), `Restart every ${s.system} worker on ${s.connection} (${how})? Whatever supervises them starts them again.`, 'Restart workers'))) return undefined;
    const r = await queueWrite(ctx.host, `Restarting ${s.system} workers`, () => service(ctx.host).restartWorkers(s.system, s.connection));
    void vscode.window.showInformationMessage(r.message);
    return r;
  },
};

function suspendCommand(on: boolean): HostCommand {
  return {
    id: on ? 'chaperone.suspendSystem' : 'chaperone.unsuspendSystem',
    async run(ctx, arg, more) {
      const s = systemTarget(arg);
      if (on && !(await confirm(extra(arg, more), `Suspend every ${s.system} worker on ${s.connection} (rq suspend)? They finish their current job and take no new one until resumed.`, 'Suspend'))) return undefined;
      const r = await queueWrite(ctx.host, `${on ? 'Suspending' : 'Resuming'} ${s.system} workers`, () => service(ctx.host).suspend(s.system, on, s.connection));
      void vscode.window.showInformationMessage(r.message);
      return r;
    },
  };
}
export const suspendSystem = suspendCommand(true);
export const unsuspendSystem = suspendCommand(false);

/** A queue's trend and figures as a Markdown document (what `chaperone trends` and the tooltip say). */
export const showTrends: HostCommand = {
  id: 'chaperone.showTrends',
  async run(ctx, arg) {
    const t = await pickQueue(ctx.host, arg, 'Trends of a queue');
    if (!t) return undefined;
    const s = signalOf(ctx, { id: t.queue, connection: 'connection' in t.q ? t.q.connection : undefined });
    if (!s) throw new UserFacingError(`${t.queue} has no figures yet (the signals read it every tick while a view is visible)`);
    const trend = s.trend;
    const lines = [
      `# ${queueLabel(s)}`,
      '',
      `- direction: **${s.direction}**, ${s.slopePerMin >= 0 ? '+' : ''}${s.slopePerMin.toFixed(1)} jobs/min (the fitted slope over the trend window${trend ? `, ${trend.n} samples` : ''})`,
      ...(s.drainMs !== undefined ? [`- drains in about ${formatDuration(s.drainMs)} at this rate`] : []),
      `- throughput: ${explainFigure(s.throughput, (v) => `${v.toFixed(1)}/min`)}`,
      ...queueFigureLines(s).map((l) => `- ${l}`),
      '',
      `Read at ${new Date(ctx.host.engine?.lastSignals()?.at ?? Date.now()).toLocaleTimeString()}. \`chaperone trends ${s.id}\` samples it from a terminal; the dashboard draws it.`,
    ];
    const doc = await vscode.workspace.openTextDocument({ content: lines.join('\n'), language: 'markdown' });
    await vscode.window.showTextDocument(doc, { preview: true });
    return { queue: s.id, direction: s.direction, slopePerMin: s.slopePerMin, lines: doc.lineCount };
  },
};
