import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone purge SYSTEM:QUEUE --yes [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const purgeCommand: CliCommand = {
  name: 'purge',
  summary: 'delete every pending job of a queue (drain it the system\'s way); needs --yes',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, yes: { type: 'boolean' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    if (!values.yes) throw new UsageError(`purge deletes every pending job of ${positionals[0]}: add --yes to confirm`);
    return runQueueAction(io, values, (s) => s.purge({ id: positionals[0], connection: values.connection }));
  },
};
