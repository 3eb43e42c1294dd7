import * as path from 'node:path';
import { topOwnFrame } from '../../core/source-paths';
import { formatDuration } from '../../core/units';
import { fileExists } from '../../node/file-exists';
import { idsOf, type FailureGroup } from '../../queues/failure-groups';
import { parse } from '../cli-context';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { table } from '../format-table';
import { QUEUE_OPTIONS } from '../queue-action';
import { withQueues } from '../queue-context';

const usage = 'chaperone failures SYSTEM:QUEUE [--retry GROUP | --delete GROUP [--yes]] [--connection NAME] [--json]';

function ago(ms: number | null, now: number): string {
  return ms === null ? '-' : `${formatDuration(Math.max(0, now - ms))} ago`;
}

export const failuresCommand: CliCommand = {
  name: 'failures',
  summary: 'failed jobs grouped by their error (class, message with numbers and ids made alike, top frame); retry or delete a group (a dry run without --yes)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, retry: { type: 'string' }, delete: { type: 'string' }, yes: { type: 'boolean' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    if (values.retry && values.delete) throw new UsageError('--retry and --delete: one at a time');
    const groupArg = values.retry ?? values.delete;
    const verb = values.retry ? 'retry' : 'delete';
    if (values.yes && !groupArg) throw new UsageError('--yes confirms --retry GROUP or --delete GROUP; give the group');
    return withQueues(values, async ({ service, config }) => {
      const address = { id: positionals[0], connection: values.connection };
      const f = await service.failures(address);
      const now = Date.now();
      const partial = f.complete ? '' : ` (the newest ${f.read} failed jobs read; the queue holds more)`;
      if (groupArg) {
        const g = f.groups.find((x) => x.key === groupArg);
        if (!g) throw new UsageError(`no failure group "${groupArg}" in ${positionals[0]}${partial}: \`chaperone failures ${positionals[0]}\` lists them`);
        const ids = idsOf(f.jobs, g.key);
        if (!values.yes) {
          const dry = { dryRun: true, action: verb, group: g.key, jobs: ids.length, ids };
          io.out(values.json ? JSON.stringify(dry, null, 2) : `would ${verb} ${ids.length} failed job(s) of ${positionals[0]} in group ${g.key} (${g.class ? `${g.class}: ` : ''}${g.pattern}); add --yes to ${verb} them`);
          return EXIT_OK;
        }
        let ok = 0;
        const failed: string[] = [];
        // One job at a time, each audited; a job retried or removed meanwhile is reported, not fatal.
        for (const id of ids) {
          const r = verb === 'retry' ? await service.retry(f.ref, id) : await service.deleteFailed(f.ref, id);
          if (r.ok) ok++;
          else failed.push(`${id}: ${r.message}`);
        }
        const past = verb === 'retry' ? 'retried' : 'deleted';
        const summary = { action: verb, group: g.key, done: ok, notDone: failed };
        io.out(values.json ? JSON.stringify(summary, null, 2) : `${past} ${ok} of ${ids.length} failed job(s) of group ${g.key}${failed.length ? `\nnot ${past}:\n  ${failed.join('\n  ')}` : ''}`);
        return failed.length && ok === 0 ? EXIT_FAILED : EXIT_OK;
      }
      // Each group's innermost frame in this project's code (pathMappings applied), relative to the folder of chaperone.json.
      const root = path.dirname(path.resolve(config.file));
      const places = await Promise.all(f.groups.map((g) => topOwnFrame(g.frames, config.pathMappings, root, fileExists)));
      if (values.json) {
        const groups = f.groups.map(({ frames: _frames, ...g }, i) => ({ ...g, file: places[i]?.file ?? null, line: places[i]?.line ?? null }));
        io.out(JSON.stringify({ queue: f.ref.id, connection: f.ref.connection, read: f.read, complete: f.complete, groups }, null, 2));
        return EXIT_OK;
      }
      if (f.groups.length === 0) {
        io.out(`no failed jobs in ${positionals[0]}`);
        return EXIT_OK;
      }
      const where = (g: FailureGroup, i: number): string => { const p = places[i]; return p ? `${p.file}:${p.line}` : (g.frame ?? '-'); };
      const rows = f.groups.map((g: FailureGroup, i) => [g.key, String(g.count), `${g.class ? `${g.class}: ` : ''}${g.pattern}`, where(g, i), ago(g.firstSeen, now), ago(g.lastSeen, now), g.sampleIds.join(' ')]);
      io.out(table(['GROUP', 'COUNT', 'ERROR', 'WHERE', 'FIRST', 'LAST', 'SAMPLES'], rows));
      io.out(`\n${f.read} failed job(s) in ${f.groups.length} group(s)${partial}. Retry or delete a group: chaperone failures ${positionals[0]} --retry|--delete GROUP`);
      return EXIT_OK;
    });
  },
};
