import { COMMON_OPTIONS, parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { runPoolAction } from '../pool-action';

const usage = 'chaperone scale POOL N [--supervisor ID] [--redis URL] [--json]';

export const scaleCommand: CliCommand = {
  name: 'scale',
  summary: 'set the number of workers of a pool (within its min and max)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, COMMON_OPTIONS, usage);
    if (positionals.length !== 2 || !/^\d+$/.test(positionals[1])) throw new UsageError(`usage: ${usage}`);
    return runPoolAction(io, values, positionals[0], { verb: 'scale', count: Number(positionals[1]) }, { replyTimeoutMs: 15_000 });
  },
};
