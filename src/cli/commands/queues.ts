import type { QueueCounts } from '../../queues/contract';
import { formatDuration } from '../../core/units';
import { ControlClient } from '../../node/control-client';
import { consumersPerQueue } from '../../node/signals/observe-queues';
import { poolObservations, supervisedConsumers } from '../../node/signals/signals-sampler';
import { parse } from '../cli-context';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { table } from '../format-table';
import { QUEUE_OPTIONS } from '../queue-action';
import { withQueues } from '../queue-context';

const usage = 'chaperone queues [--json] [--connection NAME] [--redis URL] [--config FILE]';

export const queuesCommand: CliCommand = {
  name: 'queues',
  summary: 'every queue of every configured system and connection, with counts and live workers',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length) throw new UsageError(`usage: ${usage}`);
    return withQueues(values, async ({ service, control, keyPrefix, unreachable }) => {
      const { counts, errors } = await service.overview();
      // Live workers per queue: the system's own registry merged with the pools Chaperone
      // supervises for that queue. The two cannot be matched process by process (BullMQ's CLIENT
      // LIST has no pid), so the larger of the two is shown.
      const seen = control ? await new ControlClient(control, keyPrefix).supervisors() : [];
      const supervised = supervisedConsumers(poolObservations(seen.flatMap((s) => s.snapshot?.pools ?? [])));
      const registry = new Map<string, number>();
      for (const c of service.connections) {
        for (const a of c.adapters) {
          for (const [q, n] of consumersPerQueue(await a.workers()) ?? []) registry.set(`${c.config.name}/${q}`, (registry.get(`${c.config.name}/${q}`) ?? 0) + n);
        }
      }
      const workersOf = (q: QueueCounts): number => Math.max(registry.get(`${q.queue.connection}/${q.queue.id}`) ?? 0, q.queue.connection === 'default' ? (supervised.get(q.queue.id) ?? 0) : 0);
      const rows = counts.map((q) => ({
        id: q.queue.id, system: q.queue.system, connection: q.queue.connection, name: q.queue.name,
        counts: q.counts, paused: q.paused, workers: workersOf(q), oldestPendingAgeMs: q.oldestPendingAgeMs,
      }));
      const problems = [...unreachable, ...errors];
      if (values.json) {
        io.out(JSON.stringify({ queues: rows, ...(problems.length ? { errors: problems } : {}) }, null, 2));
      } else {
        if (rows.length === 0) io.out('No queues found on the configured connections.');
        else io.out(table(
          ['CONNECTION', 'QUEUE', 'PENDING', 'DELAYED', 'ACTIVE', 'FAILED', 'WORKERS', 'OLDEST', 'STATE'],
          rows.map((r) => [r.connection, r.id, String(r.counts.pending), String(r.counts.delayed), String(r.counts.active), String(r.counts.failed), String(r.workers),
            r.oldestPendingAgeMs === null ? '-' : formatDuration(r.oldestPendingAgeMs), r.paused ? 'paused' : r.counts.pending > 0 && r.workers === 0 ? 'NO CONSUMERS' : 'ok']),
        ));
        for (const p of problems) io.err(`warning: ${p}`);
      }
      return problems.length && rows.length === 0 ? EXIT_FAILED : EXIT_OK;
    });
  },
};
