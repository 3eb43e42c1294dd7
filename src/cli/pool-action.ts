// drain / stop / start / restart / scale share one shape: send a verb for a pool to every supervisor
// that has it, print each result, exit 1 if any failed.
import type { CommandResult, CommandVerb } from '../core/commands';
import type { SendOptions } from '../node/control-client';
import { targets, withClient } from './cli-context';
import { EXIT_FAILED, EXIT_OK, type CliIo } from './cli-types';

export async function runPoolAction(
  io: CliIo,
  values: { redis?: string; config?: string; 'key-prefix'?: string; supervisor?: string; json?: boolean },
  verb: CommandVerb,
  pool: string,
  opts: Omit<SendOptions, 'onAccepted'>,
): Promise<number> {
  return withClient(values, async (client) => {
    const sups = await targets(client, pool, values.supervisor);
    const results: CommandResult[] = await Promise.all(
      sups.map((s) =>
        client.send(s.id, verb, pool, {
          ...opts,
          onAccepted: (r) => {
            if (!values.json && opts.wait) io.err(`${r.supervisor}: ${r.message}; waiting...`);
          },
          onProgress: (r) => io.err(`${r.supervisor}: ${r.message}`),
        }),
      ),
    );
    if (values.json) io.out(JSON.stringify({ results }, null, 2));
    else for (const r of results) (r.ok ? io.out : io.err)(`${r.supervisor}: ${r.ok ? '' : 'error: '}${r.message}`);
    return results.every((r) => r.ok) ? EXIT_OK : EXIT_FAILED;
  });
}
