import type { JobState } from '../../queues/contract';
import { formatDuration } from '../../core/units';
import { parse } from '../cli-context';
import { EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { table } from '../format-table';
import { QUEUE_OPTIONS } from '../queue-action';
import { withQueues } from '../queue-context';

const STATES: JobState[] = ['pending', 'delayed', 'active', 'failed', 'completed', 'prioritized', 'waiting-children'];
const usage = `chaperone jobs SYSTEM:QUEUE [--state ${STATES.join('|')}] [--limit 20] [--connection NAME] [--json]`;

export const jobsCommand: CliCommand = {
  name: 'jobs',
  summary: 'list jobs of a queue in one state (id, name, attempts, age, payload preview)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, state: { type: 'string' }, limit: { type: 'string' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const state = (values.state ?? 'pending') as JobState;
    if (!STATES.includes(state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be an integer from 1 to 10000');
    return withQueues(values, async ({ service }) => {
      const jobs = await service.jobs({ id: positionals[0], connection: values.connection }, state, limit);
      if (values.json) io.out(JSON.stringify({ queue: positionals[0], state, jobs }, null, 2));
      else if (jobs.length === 0) io.out(`no ${state} jobs in ${positionals[0]}`);
      else io.out(table(['ID', 'NAME', 'ATTEMPTS', 'AGE', 'PAYLOAD'], jobs.map((j) => [j.id, j.name, String(j.attempts), j.ageMs === null ? '-' : formatDuration(j.ageMs), j.failedReason ? `${j.failedReason} | ${j.preview}` : j.preview])));
      return EXIT_OK;
    });
  },
};
