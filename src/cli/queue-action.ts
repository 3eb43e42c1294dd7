// cancel / retry / pause / resume: one queue action, its result printed, exit 1 unless it was done.
import type { ActionResult } from '../queues/contract';
import type { QueueService } from '../queues/queue-service';
import { EXIT_FAILED, EXIT_OK, type CliIo } from './cli-types';
import { withQueues } from './queue-context';

export const QUEUE_OPTIONS = {
  redis: { type: 'string' },
  config: { type: 'string' },
  connection: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function runQueueAction(
  io: CliIo,
  values: { redis?: string; config?: string; connection?: string; json?: boolean },
  fn: (s: QueueService) => Promise<ActionResult>,
): Promise<number> {
  return withQueues(values, async ({ service }) => {
    const r = await fn(service);
    if (values.json) io.out(JSON.stringify(r, null, 2));
    else (r.ok ? io.out : io.err)(r.ok ? r.message : `${r.status}: ${r.message}`);
    return r.ok ? EXIT_OK : EXIT_FAILED;
  });
}
