import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone suspend SYSTEM | chaperone unsuspend SYSTEM [--connection NAME] [--redis URL] [--config FILE] [--json]';

function command(name: 'suspend' | 'unsuspend'): CliCommand {
  return {
    name,
    summary: name === 'suspend' ? 'suspend every worker of a system on a connection (RQ: rq suspend)' : 'resume every suspended worker (RQ: rq resume)',
    usage,
    async run(argv, io) {
      const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
      if (positionals.length !== 1 || positionals[0].includes(':')) throw new UsageError(`usage: ${usage}`);
      return runQueueAction(io, values, (s) => s.suspend(positionals[0], name === 'suspend', values.connection));
    },
  };
}

export const suspendCommand = command('suspend');
export const unsuspendCommand = command('unsuspend');
