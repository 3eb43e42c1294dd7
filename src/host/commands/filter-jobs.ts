// A filter on a queue's state node: only the jobs whose id, name, payload or error hold the text
// (searched in Redis, in slices); Clear Filter shows every job again.
import * as vscode from 'vscode';
import { UserFacingError } from '../trust';
import type { QueueNode } from '../views/queues-tree';
import type { HostCommand } from './command';

function stateNode(arg: unknown): Extract<QueueNode, { kind: 'state' }> {
  if (arg && typeof arg === 'object' && (arg as QueueNode).kind === 'state') return arg as Extract<QueueNode, { kind: 'state' }>;
  throw new UserFacingError('Filter the jobs of a state from the Queues view (pending, failed, … under a queue)');
}

export const filterJobs: HostCommand = {
  id: 'chaperone.filterJobs',
  async run(ctx, arg, given?: unknown) {
    const node = stateNode(arg);
    const text = typeof given === 'string' ? given : await vscode.window.showInputBox({ title: `Filter the ${node.state} jobs of ${node.ref.id}`, prompt: 'Jobs whose id, name, payload or error hold this text', value: node.filter ?? '', validateInput: (v) => (v.length > 1000 ? 'At most 1000 characters' : undefined) });
    if (text === undefined) return undefined;
    ctx.queuesTree.setFilter(node, text.trim());
    return { filter: text.trim() || undefined };
  },
};

export const clearJobFilter: HostCommand = {
  id: 'chaperone.clearJobFilter',
  run(ctx, arg) {
    ctx.queuesTree.setFilter(stateNode(arg), undefined);
    return { filter: undefined };
  },
};
