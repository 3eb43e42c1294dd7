import { COMMON_OPTIONS, durationOption, parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { runPoolAction } from '../pool-action';

const usage = 'chaperone stop POOL [--timeout 30s] [--supervisor ID] [--redis URL] [--json]';

export const stopCommand: CliCommand = {
  name: 'stop',
  summary: "stop a pool with its stop signal and timeout; waits for the workers' exit",
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, timeout: { type: 'string' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const timeoutMs = durationOption(values.timeout, 'timeout');
    return runPoolAction(io, values, positionals[0], { verb: 'stop', ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, { wait: true, replyTimeoutMs: (timeoutMs ?? 30 * 60_000) + 15_000 });
  },
};
