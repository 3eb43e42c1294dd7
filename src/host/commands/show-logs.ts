import type { HostCommand } from './command';
import { pickPool, runPoolVerb } from './pool-target';

export const showLogs: HostCommand = {
  id: 'chaperone.showLogs',
  async run(ctx, arg) {
    const t = await pickPool(ctx.host, arg, 'Show worker logs');
    if (!t) return undefined;
    const r = await runPoolVerb(ctx.host, t, { verb: 'logs', lines: 500, ...(t.worker ? { worker: t.worker } : {}) });
    const lines = r.data?.kind === 'logs' ? r.data.lines : [];
    const channel = ctx.logs.show(t.pool, t.worker, lines, t.own);
    return { channel: channel.name, lines: lines.length, following: t.own };
  },
};
