import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone cancel SYSTEM:QUEUE JOB_ID [--running] [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const cancelCommand: CliCommand = {
  name: 'cancel',
  summary: 'remove a pending or delayed job atomically (says so if a worker took it first); --running stops a running job where the system can',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, running: { type: 'boolean' } }, usage);
    if (positionals.length !== 2) throw new UsageError(`usage: ${usage}`);
    if (values.running) return runQueueAction(io, values, (s) => s.cancelRunning({ id: positionals[0], connection: values.connection }, positionals[1]));
    return runQueueAction(io, values, (s) => s.cancel({ id: positionals[0], connection: values.connection }, positionals[1]));
  },
};
