// A Procfile (Heroku, foreman, honcho): "name: command" per line; every process but web and
// release becomes a pool (those two are not workers; they are noted, not dropped silently).
import { commandArgv, poolName, type Draft } from './draft';

const NOT_WORKERS = new Set(['web', 'release']);

export function importProcfile(draft: Draft, text: string, file: string): void {
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([A-Za-z0-9_-]+):\s*(.+)$/.exec(line);
    if (!m) {
      draft.notes.push(`${file}:${i + 1}: not "name: command", skipped`);
      return;
    }
    const [, name, command] = m;
    if (NOT_WORKERS.has(name)) {
      draft.notes.push(`${file}:${i + 1}: "${name}" is not a queue worker, not imported (add it by hand if Chaperone should supervise it)`);
      return;
    }
    const { argv, shell } = commandArgv(command);
    const pool = poolName(draft, name);
    draft.pools[pool] = { command: argv, processes: 1 };
    draft.notes.push(`${file}:${i + 1}: pool "${pool}" from "${name}"${shell ? ' (runs through /bin/sh: the command uses shell syntax)' : ''}`);
  });
}
