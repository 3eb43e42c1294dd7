import * as os from 'node:os';
import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone mark-failed SYSTEM:QUEUE JOB_ID [--reason TEXT] [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const markFailedCommand: CliCommand = {
  name: 'mark-failed',
  summary: 'mark a running job failed (BullMQ); its handler is NOT stopped',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, reason: { type: 'string' } }, usage);
    if (positionals.length !== 2) throw new UsageError(`usage: ${usage}`);
    const reason = values.reason ?? `marked failed by ${os.userInfo().username} with chaperone`;
    return runQueueAction(io, values, (s) => s.markFailed({ id: positionals[0], connection: values.connection }, positionals[1], reason));
  },
};
