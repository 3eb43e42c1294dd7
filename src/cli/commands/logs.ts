import { PoolActions } from '../../node/pool-actions';
import type { LogLine } from '../../core/worker';
import { COMMON_OPTIONS, parse, targets, withClient } from '../cli-context';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand, type CliIo } from '../cli-types';

const usage = 'chaperone logs POOL[/WORKER] [--follow] [--lines 100] [--supervisor ID] [--redis URL] [--json]';

export const logsCommand: CliCommand = {
  name: 'logs',
  summary: "a pool's or a worker's recent stdout/stderr; --follow streams new lines",
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const [pool, worker] = positionals[0].split('/', 2);
    const lines = values.lines === undefined ? 100 : Number(values.lines);
    if (!Number.isInteger(lines) || lines < 1) throw new UsageError('--lines must be a positive integer');
    return withClient(values, async (client) => {
      const sups = await targets(client, pool, values.supervisor);
      const many = sups.length > 1;
      const print = (sid: string, batch: LogLine[]): void => {
        for (const l of batch) {
          if (worker && l.worker !== worker) continue;
          if (values.json) io.out(JSON.stringify({ supervisor: sid, ...l }));
          else io.out(formatLine(l, many ? sid : undefined));
        }
      };
      const actions = new PoolActions({ client: () => client, actor: client.actor });
      const stops: (() => void)[] = [];
      if (values.follow) {
        // Subscribe before asking for the backlog, so no line falls between the two.
        for (const s of sups) stops.push(await client.followLogs(s.id, pool, (b) => print(s.id, b)));
      }
      let failed = false;
      for (const s of sups) {
        const r = await actions.act({ supervisor: s.id, pool }, { verb: 'logs', ...(worker ? { worker } : {}), lines, ...(values.follow ? { follow: true } : {}) }, { replyTimeoutMs: 10_000 });
        if (!r.ok) {
          io.err(`${s.id}: error: ${r.message}`);
          failed = true;
          continue;
        }
        print(s.id, r.data?.kind === 'logs' ? r.data.lines : []);
      }
      if (!values.follow || failed) {
        stops.forEach((f) => f());
        return failed ? EXIT_FAILED : EXIT_OK;
      }
      await waitForInterrupt(io);
      stops.forEach((f) => f());
      return EXIT_OK;
    });
  },
};

function formatLine(l: LogLine, sid?: string): string {
  const t = new Date(l.at).toISOString().slice(11, 23);
  return `${t} ${sid ? `${sid} ` : ''}${l.worker}${l.stream === 'stderr' ? ' !' : ' |'} ${l.text}`;
}

function waitForInterrupt(_io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
