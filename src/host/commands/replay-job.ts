// Replay a failed job: a copy of it as a new job on the same queue, or into the queue of a debug
// worker that reads one of its own for it (core/debug-queues.ts), the failed one kept to compare
// (from its row's context menu or its document's title bar), after a confirmation that names the
// job, the queue it goes to and the connection. Audited by the service; refused on a read-only
// connection.
import * as vscode from 'vscode';
import { parseQueueId } from '../../core/queue-ref';
import type { EngineHost } from '../engine-host';
import { UserFacingError } from '../trust';
import type { HostCommand } from './command';
import { isQueueArgs, pickQueue, queueWrite, service } from './queue-target';

/** The debug workers of this editor's pools that read a queue of their own for `queue` (SYSTEM:QUEUE). */
function debugQueuesFor(host: EngineHost, queue: string): { worker: string; pool: string; to: string }[] {
  return (host.engine?.snapshot().pools ?? []).flatMap((p) => p.workers.flatMap((w) => (w.debug?.queues ?? []).filter((r) => r.from === queue).map((r) => ({ worker: w.id, pool: p.name, to: r.to }))));
}

export const replayJob: HostCommand = {
  id: 'chaperone.replayJob',
  async run(ctx, arg) {
    const t = await pickQueue(ctx.host, arg, 'Replay a failed job', (q) => q.failed > 0);
    if (!t) return undefined;
    if (!t.jobId) throw new UserFacingError('Replay a failed job from its row or its document');
    const id = t.jobId;
    const yes = isQueueArgs(arg) && arg.yes === true;
    // `to: "debug"` from a caller (tests, keybindings): into the debug worker's queue, no question.
    const asked = isQueueArgs(arg) && (arg as { to?: unknown }).to === 'debug';
    const debug = debugQueuesFor(ctx.host, t.queue);
    let into: (typeof debug)[number] | undefined;
    if (asked) {
      into = debug[0];
      if (!into) throw new UserFacingError(`No debug worker reads a queue of its own for ${t.queue}: start one with "Debug a Worker of Pool…" on a pool whose "queues" name ${t.queue} and whose command or env names the queue`);
    } else if (debug.length) {
      const pick = await vscode.window.showQuickPick(
        [{ label: `As a new job on ${t.queue}`, description: 'any worker of the queue runs it', into: undefined }, ...debug.map((d) => ({ label: `Into ${d.to}`, description: `only debug worker ${d.worker} of pool "${d.pool}" reads it`, into: d }))],
        { title: `Replay failed job ${id}`, placeHolder: 'Where the copy goes' },
      );
      if (!pick) return undefined;
      into = pick.into;
    }
    const where = into ? `${into.to} (read only by debug worker ${into.worker})` : t.queue;
    if (!yes) {
      const ok = await vscode.window.showWarningMessage(`Replay failed job ${id} of ${t.queue} on connection "${t.q.connection ?? 'default'}" into ${where}? A copy of it is added as a new job there, and its workers run it; the failed one stays.`, { modal: true }, 'Replay');
      if (ok !== 'Replay') return undefined;
    }
    const to = into ? parseQueueId(into.to)?.name : undefined;
    const r = await queueWrite(ctx.host, `Replaying failed job ${id}`, () => service(ctx.host).replay(t.q, id, to));
    void vscode.window.showInformationMessage(r.message);
    ctx.queuesTree.refresh();
    return r;
  },
};
