import type { HostCommand } from './command';

export const openDashboard: HostCommand = {
  id: 'chaperone.openDashboard',
  run(ctx) {
    return ctx.dashboard.open();
  },
};
