import { parse } from '../cli-context';
import { ActionFailed, EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { formatJob } from '../../queues/job-page';
import { QUEUE_OPTIONS } from '../queue-action';
import { withQueues } from '../queue-context';

const usage = 'chaperone job [SYSTEM:QUEUE] JOB_ID [--connection NAME] [--json]';

export const jobCommand: CliCommand = {
  name: 'job',
  summary: 'one job, whole: state, payload, options, timestamps, attempts, the error and its whole trace; without a queue, found by id (BullMQ, RQ, Celery, Horizon)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length !== 1 && positionals.length !== 2) throw new UsageError(`usage: ${usage}`);
    const id = positionals[positionals.length - 1];
    return withQueues(values, async ({ service }) => {
      let queue = positionals.length === 2 ? positionals[0] : undefined;
      let connection = values.connection;
      if (queue === undefined) {
        // Found by id on every connection (or the one named), where the system keys jobs by id.
        const { found, notAsked, errors } = await service.locate(id, connection);
        const notHere = notAsked.length ? ` (${notAsked.join(', ')} key nothing by id: give SYSTEM:QUEUE for those)` : '';
        if (found.length === 0) throw new ActionFailed(`job ${id}: not found (finished or removed?)${notHere}${errors.length ? `; could not ask ${errors.join('; ')}` : ''}`);
        if (found.length > 1) throw new ActionFailed(`job ${id} is in several queues: ${found.map((r) => `${r.id} on ${r.connection}`).join(', ')}; name one: chaperone job SYSTEM:QUEUE ${id} [--connection NAME]`);
        queue = found[0].id;
        connection = found[0].connection;
      }
      const job = await service.job({ id: queue, connection }, id);
      if (!job) throw new ActionFailed(`job ${id} of ${queue}: not found (finished or removed?)`);
      io.out(values.json ? JSON.stringify(job, null, 2) : formatJob(job, Date.now()));
      return EXIT_OK;
    });
  },
};
