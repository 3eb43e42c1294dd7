// Quiet or stop a worker a queue system registered (a row under "Registered by the queue systems"),
// through the system's own channel: Sidekiq TSTP/TERM, RQ shutdown, Celery cancel_consumer/shutdown.
// Stop asks first, naming the worker and what it runs.
import * as vscode from 'vscode';
import { UserFacingError } from '../trust';
import type { WorkerNode } from '../views/workers-tree';
import type { HostCommand } from './command';
import { queueWrite, service } from './queue-target';

type Registered = Extract<WorkerNode, { kind: 'registered' }>;

function registered(arg: unknown): Registered {
  if (arg && typeof arg === 'object' && (arg as WorkerNode).kind === 'registered') return arg as Registered;
  throw new UserFacingError('Quiet or stop a worker from its row under "Registered by the queue systems" in the Workers view');
}

function act(mode: 'quiet' | 'stop'): HostCommand['run'] {
  return async (ctx, arg, yes?: unknown) => {
    const n = registered(arg);
    if (mode === 'stop' && yes !== true) {
      const running = n.worker.running?.length ? `; it runs ${n.worker.running.map((r) => `${r.name || 'a job'} #${r.id}`).join(', ')} now, which it finishes first (a warm shutdown)` : '';
      const ok = await vscode.window.showWarningMessage(`Stop ${n.system} worker ${n.worker.id} on ${n.connection}${running}? Whatever supervises it decides whether it comes back.`, { modal: true }, 'Stop');
      if (ok !== 'Stop') return undefined;
    }
    const r = await queueWrite(ctx.host, `${mode === 'quiet' ? 'Quieting' : 'Stopping'} ${n.worker.id}`, () => service(ctx.host).stopWorker(n.system, n.worker.id, mode, n.connection));
    void vscode.window.showInformationMessage(r.message);
    return r;
  };
}

export const quietSystemWorker: HostCommand = { id: 'chaperone.quietSystemWorker', run: act('quiet') };
export const stopSystemWorker: HostCommand = { id: 'chaperone.stopSystemWorker', run: act('stop') };
