// What `chaperone init` builds before it writes chaperone.json: pools in the file's own shape, the
// queue systems to watch, and a note for everything that did not carry over (said, never dropped).
import { parse as parseShell } from 'shell-quote';

export interface DraftPool {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  processes?: number;
  autostart?: boolean;
  restart?: { delay?: string; minUptime?: string; maxRestarts?: number };
  stop?: { signal?: string; timeout?: string };
  limits?: { memory?: string };
  queues?: string[];
  logs?: { file: string; stderrFile?: string; maxSize?: string | number; keep?: number };
  watch?: { paths: string[]; ignore?: string[] };
}

export interface Draft {
  pools: Record<string, DraftPool>;
  /** Systems to watch (chaperone.json "queues"), with their settings. */
  systems: Record<string, Record<string, unknown>>;
  /** What was found, where, and what did not carry over. */
  notes: string[];
}

export const emptyDraft = (): Draft => ({ pools: {}, systems: {}, notes: [] });

/** A pool name the schema accepts, unique in the draft. */
export function poolName(draft: Draft, wanted: string): string {
  const base = wanted.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'pool';
  let name = base;
  for (let i = 2; draft.pools[name]; i++) name = `${base}-${i}`;
  return name;
}

/**
 * A command line as argv, the way a shell would split it; one that needs a shell (pipes, &&,
 * redirections, $VARS, globs) runs through /bin/sh -c, and says so.
 */
export function commandArgv(line: string, env: Record<string, string> = {}): { argv: string[]; shell: boolean } {
  const tokens = parseShell(line, (key) => (key in env ? env[key] : `$${key}`));
  const plain = tokens.every((t) => typeof t === 'string') && !/\$\{?[A-Za-z_]/.test(line);
  if (plain && tokens.length > 0) return { argv: tokens as string[], shell: false };
  return { argv: ['/bin/sh', '-c', line.trim()], shell: true };
}

/** "30s" from seconds. */
export const seconds = (s: number): string => `${s}s`;
