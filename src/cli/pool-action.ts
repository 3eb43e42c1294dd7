// drain / stop / start / restart / scale share one shape: the same action for a pool on every
// supervisor that has it (through the one way to act, PoolActions), each result printed, exit 1 if any failed.
import type { CommandResult, PoolAction } from '../core/commands';
import { PoolActions, type ActOptions } from '../node/pool-actions';
import { targets, withClient } from './cli-context';
import { EXIT_FAILED, EXIT_OK, type CliIo } from './cli-types';

export async function runPoolAction(
  io: CliIo,
  values: { redis?: string; config?: string; 'key-prefix'?: string; supervisor?: string; json?: boolean },
  pool: string,
  action: PoolAction,
  opts: Omit<ActOptions, 'onAccepted' | 'onProgress'>,
): Promise<number> {
  return withClient(values, async (client) => {
    const actions = new PoolActions({ client: () => client, actor: client.actor });
    const sups = await targets(client, pool, values.supervisor);
    const results: CommandResult[] = await Promise.all(
      sups.map((s) =>
        actions.act({ supervisor: s.id, pool }, action, {
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
