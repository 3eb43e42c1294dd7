import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone promote SYSTEM:QUEUE JOB_ID [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const promoteCommand: CliCommand = {
  name: 'promote',
  summary: 'run a delayed job now (it becomes pending at once)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length !== 2) throw new UsageError(`usage: ${usage}`);
    return runQueueAction(io, values, (s) => s.promote({ id: positionals[0], connection: values.connection }, positionals[1]));
  },
};
