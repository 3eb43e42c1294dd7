// Drain: a confirmation with the dry-run figures (busy workers, jobs waiting and in flight on the
// pool's queues), then a notification with a live in-flight count and a cancel button. Cancel stops
// waiting only: workers already told to stop finish their job and exit, as the system intends.
import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { isPoolArgs, pickPool, runPoolVerb } from './pool-target';
import type { EngineHost } from '../engine-host';

export function drainDryRun(host: EngineHost, supervisor: string, pool: string): string {
  const own = host.engine;
  const snap = own && own.id === supervisor ? own.snapshot().pools.find((p) => p.name === pool) : host.others.find((s) => s.id === supervisor)?.snapshot?.pools.find((p) => p.name === pool);
  if (!snap) return '';
  const live = snap.workers.filter((w) => w.state !== 'stopped').length;
  const lines = [`${live} worker(s) will finish their current job and stop.`];
  const signals = host.engine?.lastSignals()?.queues ?? [];
  for (const q of snap.queues) {
    const s = signals.find((x) => x.id === q && x.connection === 'default');
    lines.push(s ? `${q}: ${s.pending} pending, ${s.active} in flight${s.delayed ? `, ${s.delayed} delayed` : ''}` : `${q}: no figures yet`);
  }
  const cfg = own?.config.pools.find((p) => p.name === pool);
  if (snap.queues.length && cfg?.drain.pauseQueues !== false) lines.push('Its queues are paused first, so no worker anywhere takes new jobs; Start resumes them.');
  return lines.join('\n');
}

export const drainPool: HostCommand = {
  id: 'chaperone.drainPool',
  async run(ctx, arg) {
    const t = await pickPool(ctx.host, arg, 'Drain pool');
    if (!t) return undefined;
    if (!(isPoolArgs(arg) && arg.yes)) {
      const ok = await vscode.window.showWarningMessage(`Drain pool "${t.pool}"?`, { modal: true, detail: drainDryRun(ctx.host, t.supervisor, t.pool) }, 'Drain');
      if (ok !== 'Drain') return undefined;
    }
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Draining pool ${t.pool}`, cancellable: true },
      async (progress, token) => {
        const done = runPoolVerb(ctx.host, t, { verb: 'drain' }, (p) => {
          const d = p.data?.kind === 'progress' ? p.data : undefined;
          const inFlight = d?.inFlight === null || d?.inFlight === undefined ? '' : `, ${d.inFlight} job(s) in flight`;
          progress.report({ message: `${d ? d.workers.length : '?'} worker(s) still running${inFlight}` });
        });
        const cancelled = new Promise<'cancelled'>((resolve) => token.onCancellationRequested(() => resolve('cancelled')));
        const r = await Promise.race([done, cancelled]);
        if (r === 'cancelled') {
          done.catch(() => undefined);
          void vscode.window.showInformationMessage(`Stopped waiting for pool ${t.pool}: the drain goes on in the background until its workers finish.`);
          return undefined;
        }
        void vscode.window.showInformationMessage(r.message);
        return r;
      },
    );
  },
};
