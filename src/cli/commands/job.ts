import { parse } from '../cli-context';
import { ActionFailed, EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { formatJob } from '../../queues/job-page';
import { QUEUE_OPTIONS } from '../queue-action';
import { withQueues } from '../queue-context';

const usage = 'chaperone job SYSTEM:QUEUE JOB_ID [--connection NAME] [--json]';

export const jobCommand: CliCommand = {
  name: 'job',
  summary: 'one job, whole: state, payload, options, timestamps, attempts, the error and its whole trace (BullMQ, RQ, Sidekiq)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length !== 2) throw new UsageError(`usage: ${usage}`);
    const [queue, id] = positionals;
    return withQueues(values, async ({ service }) => {
      const job = await service.job({ id: queue, connection: values.connection }, id);
      if (!job) throw new ActionFailed(`job ${id} of ${queue}: not found (finished or removed?)`);
      io.out(values.json ? JSON.stringify(job, null, 2) : formatJob(job, Date.now()));
      return EXIT_OK;
    });
  },
};
