import { COMMON_OPTIONS, durationOption, parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { runPoolAction } from '../pool-action';

const usage = 'chaperone drain POOL [--wait] [--timeout 60s] [--supervisor ID] [--redis URL] [--json]';

export const drainCommand: CliCommand = {
  name: 'drain',
  summary: 'stop signal to every worker of a pool, no respawn; --wait returns when they have exited',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, wait: { type: 'boolean' }, timeout: { type: 'string' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const timeoutMs = durationOption(values.timeout, 'timeout');
    const wait = values.wait ?? false;
    // With --wait we wait as long as the drain may take (its timeout, then the SIGKILL) plus a margin.
    const replyTimeoutMs = wait ? (timeoutMs ?? 30 * 60_000) + 15_000 : 15_000;
    return runPoolAction(io, values, positionals[0], { verb: 'drain', ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, { wait, replyTimeoutMs });
  },
};
