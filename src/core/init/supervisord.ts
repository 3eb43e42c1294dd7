// A supervisord [program:x] file to pools: command, numprocs, directory, environment, stop signal and
// wait, autostart, autorestart, startsecs, startretries and the log files carry over; the rest is noted.
import { parse as parseIni } from 'ini';
import { commandArgv, poolName, seconds, type Draft, type DraftPool } from './draft';

const CARRIED = new Set(['command', 'numprocs', 'directory', 'environment', 'stopsignal', 'stopwaitsecs', 'autostart', 'autorestart', 'startsecs', 'startretries',
  'stdout_logfile', 'stdout_logfile_maxbytes', 'stdout_logfile_backups', 'stderr_logfile', 'redirect_stderr', 'process_name', 'stopasgroup', 'killasgroup']);

export function importSupervisord(draft: Draft, text: string, file: string): void {
  const sections = parseIni(text) as Record<string, Record<string, unknown>>;
  const programs = Object.entries(sections).filter(([k]) => k.startsWith('program:'));
  if (programs.length === 0) draft.notes.push(`${file}: no [program:x] section`);
  for (const [section, raw] of programs) {
    const name = section.slice('program:'.length);
    const v = (k: string): string | undefined => (raw[k] === undefined ? undefined : String(raw[k]).replace(/\s+;.*$/, '').trim());
    const where = `${file} [${section}]`;
    const command = v('command');
    if (!command) {
      draft.notes.push(`${where}: no command, skipped`);
      continue;
    }
    if (/%\(/.test(command)) draft.notes.push(`${where}: the command's %(...)s expansions are not carried over: check the pool's command`);
    const env = parseEnvironment(v('environment'));
    const { argv, shell } = commandArgv(command, {});
    const pool: DraftPool = { command: argv, processes: clampInt(v('numprocs'), 1, 1, 1000) };
    if (shell) draft.notes.push(`${where}: runs through /bin/sh (the command uses shell syntax)`);
    if (v('directory')) pool.cwd = v('directory');
    if (Object.keys(env).length) pool.env = env;
    const sig = v('stopsignal');
    const stopwait = v('stopwaitsecs');
    if (sig || stopwait) pool.stop = { ...(sig ? { signal: `SIG${sig.toUpperCase().replace(/^SIG/, '')}` } : {}), ...(stopwait ? { timeout: seconds(clampInt(stopwait, 10, 0, 86_400)) } : {}) };
    if (v('autostart') === 'false') pool.autostart = false;
    const ar = v('autorestart');
    if (ar === 'false') draft.notes.push(`${where}: autorestart=false is not carried over: Chaperone restarts a worker that exits (with backoff)`);
    const startsecs = v('startsecs');
    const retries = v('startretries');
    if (startsecs || retries) pool.restart = { ...(startsecs ? { minUptime: seconds(clampInt(startsecs, 1, 0, 3600)) } : {}), ...(retries ? { maxRestarts: clampInt(retries, 3, 0, 1000) } : {}) };
    const out = v('stdout_logfile');
    if (out && !/^(AUTO|NONE|\/dev\/stdout)$/i.test(out)) {
      const err = v('stderr_logfile');
      pool.logs = {
        file: out,
        ...(err && v('redirect_stderr') !== 'true' && !/^(AUTO|NONE)$/i.test(err) ? { stderrFile: err } : {}),
        ...(v('stdout_logfile_maxbytes') ? { maxSize: v('stdout_logfile_maxbytes') as string } : {}),
        ...(v('stdout_logfile_backups') ? { keep: clampInt(v('stdout_logfile_backups'), 10, 0, 1000) } : {}),
      };
    }
    const left = Object.keys(raw).filter((k) => !CARRIED.has(k));
    if (left.length) draft.notes.push(`${where}: not carried over: ${left.join(', ')}`);
    const p = poolName(draft, name);
    draft.pools[p] = pool;
    draft.notes.push(`${where}: pool "${p}"`);
  }
  const others = Object.keys(sections).filter((k) => !k.startsWith('program:') && !['supervisord', 'supervisorctl', 'unix_http_server', 'inet_http_server', 'rpcinterface:supervisor', 'include'].includes(k));
  if (others.length) draft.notes.push(`${file}: sections not carried over: ${others.map((o) => `[${o}]`).join(', ')}`);
}

/** supervisord's environment=KEY="val",KEY2=val2 */
function parseEnvironment(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!s) return out;
  for (const m of s.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|[^,]*)/g)) {
    const raw = m[2].trim();
    out[m[1]] = /^["']/.test(raw) ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return out;
}

function clampInt(s: string | undefined, fallback: number, min: number, max: number): number {
  const n = Number(s);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}
