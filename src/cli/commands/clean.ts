import { parseDuration } from '../../core/units';
import { parse } from '../cli-context';
import { UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS, runQueueAction } from '../queue-action';

const usage = 'chaperone clean SYSTEM:QUEUE --state completed|failed [--older-than 1h] [--limit 1000] [--connection NAME] [--redis URL] [--config FILE] [--json]';

export const cleanCommand: CliCommand = {
  name: 'clean',
  summary: 'remove finished jobs (completed or failed) older than a grace period',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, state: { type: 'string' }, 'older-than': { type: 'string' }, limit: { type: 'string' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const state = values.state;
    if (state !== 'completed' && state !== 'failed') throw new UsageError(`--state must be completed or failed\nusage: ${usage}`);
    const graceMs = values['older-than'] === undefined ? 0 : parseDuration(values['older-than']);
    if (graceMs === undefined) throw new UsageError(`--older-than "${values['older-than']}" is not a duration (e.g. 30s, 15m, 2h)`);
    const limit = values.limit === undefined ? 1000 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, not "${values.limit}"`);
    return runQueueAction(io, values, (s) => s.clean({ id: positionals[0], connection: values.connection }, state, graceMs, limit));
  },
};
