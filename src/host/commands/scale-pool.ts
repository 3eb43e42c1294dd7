import * as vscode from 'vscode';
import type { HostCommand } from './command';
import { isPoolArgs, pickPool, runPoolVerb } from './pool-target';

export const scalePool: HostCommand = {
  id: 'chaperone.scalePool',
  async run(ctx, arg) {
    const t = await pickPool(ctx.host, arg, 'Scale pool');
    if (!t) return undefined;
    let count = isPoolArgs(arg) ? arg.count : undefined;
    if (count === undefined) {
      const cfg = t.own ? ctx.host.engine?.config.pools.find((p) => p.name === t.pool) : undefined;
      const snap = ctx.host.engine?.snapshot().pools.find((p) => p.name === t.pool) ?? ctx.host.others.find((s) => s.id === t.supervisor)?.snapshot?.pools.find((p) => p.name === t.pool);
      const min = cfg?.min ?? snap?.min ?? 0;
      const max = cfg?.max ?? snap?.max ?? 100;
      const input = await vscode.window.showInputBox({
        title: `Scale pool ${t.pool}`, prompt: `Number of workers (${min}–${max})`, value: String(snap?.desired ?? min),
        validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? undefined : `A whole number from ${min} to ${max} (chaperone.json: pools.${t.pool}.processes)`),
      });
      if (input === undefined) return undefined;
      count = Number(input);
    }
    const r = await runPoolVerb(ctx.host, t, { verb: 'scale', count });
    void vscode.window.showInformationMessage(r.message);
    return r;
  },
};
