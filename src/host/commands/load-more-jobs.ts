import type { HostCommand } from './command';
import type { QueueNode } from '../views/queues-tree';

export const loadMoreJobs: HostCommand = {
  id: 'chaperone.loadMoreJobs',
  run(ctx, node) {
    ctx.queuesTree.loadMore(node as QueueNode);
  },
};
