import { formatDuration } from '../../core/units';
import { parse } from '../cli-context';
import { EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { table } from '../format-table';
import { QUEUE_OPTIONS } from '../queue-action';
import { withQueues } from '../queue-context';

const usage = 'chaperone workers [SYSTEM] [--connection NAME] [--json]';

export const workersCommand: CliCommand = {
  name: 'workers',
  summary: 'the workers each queue system registers (Sidekiq processes, RQ workers, Celery workers, Horizon supervisors, BullMQ clients): ids for `chaperone worker`, and what they run now',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length > 1) throw new UsageError(`usage: ${usage}`);
    const only = positionals[0];
    return withQueues(values, async ({ service }) => {
      const lists = (await service.registeredWorkers(values.connection)).filter((l) => !only || l.system === only);
      if (only && lists.length === 0) throw new UsageError(`no ${only} queues are configured${values.connection ? ` on connection "${values.connection}"` : ''}`);
      if (values.json) {
        io.out(JSON.stringify({ systems: lists.map((l) => ({ system: l.system, connection: l.connection, ...l.result })) }, null, 2));
        return EXIT_OK;
      }
      const rows: string[][] = [];
      const notes: string[] = [];
      for (const l of lists) {
        if (!('workers' in l.result)) {
          notes.push(`${l.connection}/${l.system}: ${l.result.unavailable}`);
          continue;
        }
        for (const w of l.result.workers) {
          const doing = w.running?.length ? w.running.map((r) => `${r.name || 'job'} #${r.id}${r.sinceMs !== null ? ` ${formatDuration(r.sinceMs)}` : ''}`).join(', ') : 'idle';
          rows.push([l.system, l.connection, w.id, w.host ?? '-', w.pid ? String(w.pid) : '-', (w.queues ?? []).join(' ') || '-', doing, w.detail ?? '', (w.actions ?? []).join('/') || '-']);
        }
      }
      if (rows.length) io.out(table(['SYSTEM', 'CONNECTION', 'ID', 'HOST', 'PID', 'QUEUES', 'RUNNING', 'DETAIL', 'ACTIONS'], rows));
      else io.out('no registered workers');
      for (const n of notes) io.out(n);
      if (rows.some((r) => r[8] !== '-')) io.out('\nQuiet or stop one: chaperone worker SYSTEM ID quiet|stop');
      return EXIT_OK;
    });
  },
};
