import type { JobState } from '../../queues/contract';
import { CursorError } from '../../queues/job-search';
import { formatDuration } from '../../core/units';
import { parse } from '../cli-context';
import { EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { table } from '../format-table';
import { QUEUE_OPTIONS } from '../queue-action';
import { withQueues } from '../queue-context';

const STATES: JobState[] = ['pending', 'delayed', 'active', 'failed', 'completed', 'prioritized', 'waiting-children'];
const usage = `chaperone jobs SYSTEM:QUEUE [--state ${STATES.join('|')}] [--grep TEXT] [--cursor C] [--limit 20] [--connection NAME] [--json]`;

export const jobsCommand: CliCommand = {
  name: 'jobs',
  summary: 'list or search the jobs of a queue in one state (id, name, attempts, age, payload preview), a page at a time',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, state: { type: 'string' }, limit: { type: 'string' }, grep: { type: 'string' }, cursor: { type: 'string' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const state = (values.state ?? 'pending') as JobState;
    if (!STATES.includes(state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be an integer from 1 to 10000');
    const text = values.grep ?? '';
    if (text.length > 1000) throw new UsageError('--grep takes at most 1000 characters');
    return withQueues(values, async ({ service }) => {
      let page;
      try {
        page = await service.search({ id: positionals[0], connection: values.connection }, state, { text, cursor: values.cursor, limit });
      } catch (err) {
        if (err instanceof CursorError) throw new UsageError(`--cursor: ${err.message}`);
        throw err;
      }
      const { jobs, cursor } = page;
      if (values.json) {
        io.out(JSON.stringify({ queue: positionals[0], state, ...(text ? { grep: text } : {}), jobs, cursor, scanned: page.scanned, total: page.total }, null, 2));
        return EXIT_OK;
      }
      const what = text ? `${state} jobs matching "${text}"` : `${state} jobs`;
      if (jobs.length === 0) io.out(`no ${what} in ${positionals[0]}${values.cursor ? ' from that cursor' : ''}`);
      else io.out(table(['ID', 'NAME', 'ATTEMPTS', 'AGE', 'PAYLOAD'], jobs.map((j) => [j.id, j.name, String(j.attempts), j.ageMs === null ? '-' : formatDuration(j.ageMs), j.failedReason ? `${j.failedReason} | ${j.preview}` : j.preview])));
      // The next page, or why there is none: the reader never wonders whether something was left out.
      if (cursor !== null) io.out(`\n${jobs.length} shown, ${page.scanned} of ${page.total} read; more: --cursor ${cursor}`);
      else if (jobs.length > 0 && (values.cursor || text)) io.out(`\n${jobs.length} shown; the end of ${state}`);
      return EXIT_OK;
    });
  },
};
