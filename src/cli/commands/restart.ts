import { COMMON_OPTIONS, parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { runPoolAction } from '../pool-action';

const usage = 'chaperone restart POOL [--supervisor ID] [--redis URL] [--json]';

export const restartCommand: CliCommand = {
  name: 'restart',
  summary: 'rolling restart: each replacement runs before the old worker stops (also recovers fatal workers)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, COMMON_OPTIONS, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    return runPoolAction(io, values, positionals[0], { verb: 'restart' }, { wait: true, replyTimeoutMs: 30 * 60_000 });
  },
};
