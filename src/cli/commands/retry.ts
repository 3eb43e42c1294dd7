import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone retry SYSTEM:QUEUE JOB_ID|--all-failed [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const retryCommand: CliCommand = {
  name: 'retry',
  summary: 'retry a failed job (or every failed job) the system\'s own way',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, 'all-failed': { type: 'boolean' } }, usage);
    const all = values['all-failed'] ?? false;
    if (positionals.length !== (all ? 1 : 2)) throw new UsageError(`usage: ${usage}`);
    return runQueueAction(io, values, (s) => s.retry({ id: positionals[0], connection: values.connection }, all ? { allFailed: true } : positionals[1]));
  },
};
