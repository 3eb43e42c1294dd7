import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone worker SYSTEM WORKER_ID quiet|stop [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'quiet (take no new jobs) or stop one live worker through the system\'s own channel',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    const [system, id, mode] = positionals;
    if (positionals.length !== 3 || (mode !== 'quiet' && mode !== 'stop')) throw new UsageError(`usage: ${usage}`);
    return runQueueAction(io, values, (s) => s.stopWorker(system, id, mode, values.connection));
  },
};
