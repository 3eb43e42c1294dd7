import { COMMON_OPTIONS, parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { runPoolAction } from '../pool-action';

const usage = 'chaperone start POOL [--supervisor ID] [--redis URL] [--json]';

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'start a stopped or drained pool',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, COMMON_OPTIONS, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    return runPoolAction(io, values, positionals[0], { verb: 'start' }, { replyTimeoutMs: 15_000 });
  },
};
