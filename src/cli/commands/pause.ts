import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone pause SYSTEM:QUEUE [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const pauseCommand: CliCommand = {
  name: 'pause',
  summary: 'pause a queue the system\'s own way (workers take no new jobs)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    return runQueueAction(io, values, (s) => s.pause({ id: positionals[0], connection: values.connection }));
  },
};
