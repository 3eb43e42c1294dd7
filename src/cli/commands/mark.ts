import { checkMarkText } from '../../core/mark';
import { parseDuration } from '../../core/units';
import { COMMON_OPTIONS, parse, withClient } from '../cli-context';
import { EXIT_OK, UsageError, type CliCommand } from '../cli-types';

const usage = 'chaperone mark "TEXT" [--at ISO-TIME] | chaperone mark --list [--since 24h] [--json]  [--config FILE] [--redis URL]';

/** Deploy markers: recorded in the control plane's Redis, drawn on every chart of the dashboard. */
export const markCommand: CliCommand = {
  name: 'mark',
  summary: 'record a marker in the history ("deploy 1.4.2"), drawn on every dashboard chart; --list shows them',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, config: { type: 'string', short: 'c' }, at: { type: 'string' }, list: { type: 'boolean' }, since: { type: 'string' } }, usage);
    if (values.list) {
      if (positionals.length || values.at) throw new UsageError(`usage: ${usage}`);
      const since = values.since === undefined ? 86_400_000 : parseDuration(/^\d+$/.test(values.since) ? Number(values.since) : values.since);
      if (since === undefined) throw new UsageError(`--since: "${values.since}" is not a duration (e.g. 1h, 24h)`);
      return withClient(values, async (client) => {
        const now = Date.now();
        const marks = await client.marks.list(now - since, now);
        if (values.json) io.out(JSON.stringify(marks.map((m) => ({ ...m, at: new Date(m.at).toISOString() }))));
        else if (marks.length === 0) io.out('no marks');
        else for (const m of marks) io.out(`${new Date(m.at).toISOString()}  ${m.text}  (${m.actor})`);
        return EXIT_OK;
      });
    }
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const checked = checkMarkText(positionals[0]);
    if ('error' in checked) throw new UsageError(checked.error);
    const at = values.at === undefined ? Date.now() : Date.parse(values.at);
    if (!Number.isFinite(at) || at < 0) throw new UsageError(`--at: "${values.at}" is not a time (e.g. 2026-12-02T17:40:00Z)`);
    if (at > Date.now() + 3_600_000) throw new UsageError('--at: a mark is for something that happened, not more than an hour ahead');
    return withClient(values, async (client) => {
      await client.marks.add({ at, text: checked.text, actor: client.actor }, 'cli');
      io.out(`marked "${checked.text}" at ${new Date(at).toISOString()}`);
      return EXIT_OK;
    });
  },
};
