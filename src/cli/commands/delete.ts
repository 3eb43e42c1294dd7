import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone delete SYSTEM:QUEUE JOB_ID [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const deleteCommand: CliCommand = {
  name: 'delete',
  summary: 'delete one failed job and what the system keeps of it (BullMQ, RQ, Sidekiq retry/dead, Horizon, Celery results)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length !== 2) throw new UsageError(`usage: ${usage}`);
    return runQueueAction(io, values, (s) => s.deleteFailed({ id: positionals[0], connection: values.connection }, positionals[1]));
  },
};
