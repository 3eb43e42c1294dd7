import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone resume SYSTEM:QUEUE [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const resumeCommand: CliCommand = {
  name: 'resume',
  summary: 'resume a paused queue',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    return runQueueAction(io, values, (s) => s.resume({ id: positionals[0], connection: values.connection }));
  },
};
