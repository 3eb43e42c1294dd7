import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone kill SYSTEM:QUEUE JOB_ID [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const killCommand: CliCommand = {
  name: 'kill',
  summary: 'move a retrying or scheduled job to the dead set (Sidekiq)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length !== 2) throw new UsageError(`usage: ${usage}`);
    return runQueueAction(io, values, (s) => s.kill({ id: positionals[0], connection: values.connection }, positionals[1]));
  },
};
