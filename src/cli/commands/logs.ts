import { PoolActions } from '../../node/pool-actions';
import type { LogLine } from '../../core/worker';
import { COMMON_OPTIONS, loadConfigFile, parse, targets, withClient } from '../cli-context';
import { ActionFailed, EXIT_FAILED, EXIT_OK, UsageError, type CliCommand, type CliIo } from '../cli-types';
import { parseLogFileLine, logFileOf, type FileLogLine } from '../../core/log-file-format';
import { followLogFile, tailPoolLog } from '../../node/logs/read-log-files';

const usage = 'chaperone logs POOL[/WORKER] [--follow] [--lines 100] [--files [--config FILE]] [--supervisor ID] [--redis URL] [--json]';

export const logsCommand: CliCommand = {
  name: 'logs',
  summary: "a pool's or a worker's recent stdout/stderr; --follow streams new lines",
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n' }, files: { type: 'boolean' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const [pool, worker] = positionals[0].split('/', 2);
    const lines = values.lines === undefined ? 100 : Number(values.lines);
    if (!Number.isInteger(lines) || lines < 1 || lines > 1_000_000) throw new UsageError('--lines must be an integer from 1 to 1000000');
    if (values.files) return fromFiles(values, pool, worker, lines, io);
    return withClient(values, async (client) => {
      const sups = await targets(client, pool, values.supervisor).catch(async (err: unknown) => {
        // No supervisor runs it: say where its files are, if it has any.
        const spec = (await loadConfigFile(values).catch(() => undefined))?.pools.find((p) => p.name === pool)?.logs;
        if (spec && err instanceof ActionFailed) throw new ActionFailed(`${err.message}; its log file is ${spec.file}: chaperone logs ${pool} --files`);
        throw err;
      });
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

/** The pool's log files on disk, whether or not anything supervises it now. */
async function fromFiles(values: { config?: string; follow?: boolean; json?: boolean }, pool: string, worker: string | undefined, lines: number, io: CliIo): Promise<number> {
  const config = await loadConfigFile(values);
  if (!config) throw new UsageError('--files reads the pool\'s "logs" from chaperone.json: none found (use --config FILE)');
  const p = config.pools.find((x) => x.name === pool);
  if (!p) throw new UsageError(`no pool "${pool}" in ${config.file}`);
  const spec = p.logs;
  if (!spec) throw new UsageError(`pool "${pool}" has no "logs" in ${config.file}: its output is only in the supervisor's memory (chaperone logs ${pool})`);
  const print = (l: FileLogLine): void => {
    if (worker && l.worker !== worker) return;
    if (values.json) io.out(JSON.stringify(l));
    else io.out(l.at === null ? l.text : formatLine({ at: l.at, worker: l.worker ?? '?', pid: 0, stream: l.stream ?? 'stdout', text: l.text }));
  };
  // Read the tail with the worker filter applied after: ask for more when filtering.
  const tail = await tailPoolLog(spec, worker ? lines * 20 : lines);
  (worker ? tail.filter((l) => l.worker === worker) : tail).slice(-lines).forEach(print);
  if (!values.follow) return EXIT_OK;
  const files = [...new Set([logFileOf(spec, 'stdout'), logFileOf(spec, 'stderr')])];
  const stops = files.map((f) => followLogFile(f, spec.keep, (line) => print(parseLogFileLine(line)), (m) => io.err(`error: ${m}`)));
  await waitForInterrupt(io);
  stops.forEach((s) => s());
  return EXIT_OK;
}

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
