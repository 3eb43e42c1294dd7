import * as os from 'node:os';
import type { NotifyMessage } from '../../core/notify/notify-message';
import { NetworkNotifySender } from '../../node/notify/notify-sender';
import { loadConfigFile, parse } from '../cli-context';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../cli-types';

const usage = 'chaperone notify test [--config FILE]';

/** One test message to every channel of "notify", so a new webhook or mailbox is known to work before it matters. */
export const notifyCommand: CliCommand = {
  name: 'notify',
  summary: 'notify test: send a test message to every channel in "notify" and say which answered',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { config: { type: 'string', short: 'c' } }, usage);
    if (positionals.length !== 1 || positionals[0] !== 'test') throw new UsageError(`usage: ${usage}`);
    const config = await loadConfigFile(values);
    if (!config) throw new UsageError('no chaperone.json found (use --config FILE)');
    if (config.notify.length === 0) throw new UsageError(`${config.file} has no "notify" channels`);
    const now = Date.now();
    const message: NotifyMessage = {
      origin: `chaperone notify test@${os.hostname()}`, at: now, stillOpen: 0, heldBack: 0, closed: [],
      opened: [{ key: 'test', severity: 'warning', subject: { kind: 'host', id: 'test' }, metric: 'test', message: 'test message from `chaperone notify test`: this channel works', value: 0, limit: 0, since: now, changes: 1 }],
    };
    const sender = new NetworkNotifySender();
    let failed = false;
    for (const ch of config.notify) {
      try {
        await sender.send(ch, message);
        io.out(`${ch.name}: sent`);
      } catch (err) {
        failed = true;
        io.err(`${ch.name}: error: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failed ? EXIT_FAILED : EXIT_OK;
  },
};
