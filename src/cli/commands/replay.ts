import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone replay SYSTEM:QUEUE JOB_ID [--to QUEUE] [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: 'a copy of a failed job as a new job on its queue or on --to QUEUE (a debug worker\'s), the failed one kept (BullMQ, RQ, Sidekiq)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, to: { type: 'string' } }, usage);
    if (positionals.length !== 2) throw new UsageError(`usage: ${usage}`);
    return runQueueAction(io, values, (s) => s.replay({ id: positionals[0], connection: values.connection }, positionals[1], values.to));
  },
};
