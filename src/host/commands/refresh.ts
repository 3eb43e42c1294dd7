import type { HostCommand } from './command';

export const refresh: HostCommand = {
  id: 'chaperone.refresh',
  async run(ctx) {
    await ctx.host.engine?.tickNow();
    ctx.refreshAll();
  },
};
