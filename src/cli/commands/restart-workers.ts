import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone restart-workers SYSTEM [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const restartWorkersCommand: CliCommand = {
  name: 'restart-workers',
  summary: 'ask every worker of a queue system to exit after its current job (Laravel: queue:restart)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length !== 1 || positionals[0].includes(':')) throw new UsageError(`usage: ${usage}`);
    return runQueueAction(io, values, (s) => s.restartWorkers(positionals[0], values.connection));
  },
};
