import type { HostCommand } from './command';

export const showOutput: HostCommand = {
  id: 'chaperone.showOutput',
  run(ctx) {
    ctx.channel.show();
  },
};
