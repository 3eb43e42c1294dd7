// A PM2 ecosystem's apps to pools: script, args, interpreter, cwd, instances, env, kill_timeout,
// max_memory_restart, min_uptime, max_restarts, restart_delay, watch, ignore_watch and the log files
// carry over; cluster mode, cron restarts and the rest are noted.
import { poolName, type Draft, type DraftPool } from './draft';

const CARRIED = new Set(['name', 'script', 'args', 'interpreter', 'interpreter_args', 'node_args', 'cwd', 'instances', 'exec_mode', 'env', 'kill_timeout', 'max_memory_restart',
  'min_uptime', 'max_restarts', 'restart_delay', 'watch', 'ignore_watch', 'out_file', 'error_file', 'autorestart']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const words = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v.trim() ? v.trim().split(/\s+/) : []);

export function importPm2(draft: Draft, ecosystem: unknown, file: string): void {
  const apps = isObj(ecosystem) && Array.isArray(ecosystem.apps) ? ecosystem.apps : Array.isArray(ecosystem) ? ecosystem : undefined;
  if (!apps) {
    draft.notes.push(`${file}: no "apps" list`);
    return;
  }
  apps.forEach((app: unknown, i) => {
    const where = `${file} apps[${i}]`;
    if (!isObj(app) || typeof app.script !== 'string') {
      draft.notes.push(`${where}: no script, skipped`);
      return;
    }
    const script = app.script;
    const interpreter = typeof app.interpreter === 'string' ? app.interpreter : /\.(c|m)?js$/.test(script) ? 'node' : undefined;
    const interpArgs = [...words(app.interpreter_args), ...words(app.node_args)];
    const command = interpreter && interpreter !== 'none' ? [interpreter, ...interpArgs, script, ...words(app.args)] : [script, ...words(app.args)];
    const pool: DraftPool = { command };
    const inst = app.instances;
    if (inst === 'max' || inst === -1 || inst === 0) {
      pool.processes = 1;
      draft.notes.push(`${where}: instances "${String(inst)}" (one per core) is not carried over: set "processes" to the number you want`);
    } else if (typeof inst === 'number' && Number.isInteger(inst) && inst > 0 && inst <= 1000) pool.processes = inst;
    if (app.exec_mode === 'cluster' || app.exec_mode === 'cluster_mode') draft.notes.push(`${where}: cluster mode is not carried over: each of the pool's processes is a separate worker (queue workers need no shared port)`);
    if (typeof app.cwd === 'string') pool.cwd = app.cwd;
    if (isObj(app.env)) pool.env = Object.fromEntries(Object.entries(app.env).map(([k, v]) => [k, String(v)]));
    if (typeof app.kill_timeout === 'number' && app.kill_timeout >= 0) pool.stop = { timeout: `${Math.round(app.kill_timeout)}ms` };
    if (typeof app.max_memory_restart === 'string' || typeof app.max_memory_restart === 'number') pool.limits = { memory: pm2Size(app.max_memory_restart) };
    const restart: NonNullable<DraftPool['restart']> = {};
    if (typeof app.restart_delay === 'number') restart.delay = `${Math.round(app.restart_delay)}ms`;
    if (typeof app.min_uptime === 'number') restart.minUptime = `${Math.round(app.min_uptime)}ms`;
    else if (typeof app.min_uptime === 'string') restart.minUptime = app.min_uptime;
    if (typeof app.max_restarts === 'number' && Number.isInteger(app.max_restarts)) restart.maxRestarts = Math.max(0, Math.min(1000, app.max_restarts));
    if (Object.keys(restart).length) pool.restart = restart;
    if (app.autorestart === false) draft.notes.push(`${where}: autorestart false is not carried over: Chaperone restarts a worker that exits (with backoff)`);
    const watch = app.watch === true ? ['**/*'] : Array.isArray(app.watch) ? app.watch.map(String).map((w) => (/[*?{]/.test(w) ? w : `${w.replace(/\/$/, '')}/**`)) : [];
    if (watch.length) pool.watch = { paths: watch, ...(Array.isArray(app.ignore_watch) ? { ignore: app.ignore_watch.map(String).map((w) => (/[*?{]/.test(w) ? w : `${w.replace(/\/$/, '')}/**`)) } : {}) };
    if (typeof app.out_file === 'string' && app.out_file !== '/dev/null') pool.logs = { file: app.out_file, ...(typeof app.error_file === 'string' && app.error_file !== app.out_file ? { stderrFile: app.error_file } : {}) };
    const left = Object.keys(app).filter((k) => !CARRIED.has(k) && !k.startsWith('env_'));
    const envs = Object.keys(app).filter((k) => k.startsWith('env_'));
    if (left.length) draft.notes.push(`${where}: not carried over: ${left.join(', ')}`);
    if (envs.length) draft.notes.push(`${where}: ${envs.join(', ')} not carried over (only "env"): copy the one you deploy with`);
    const name = poolName(draft, typeof app.name === 'string' ? app.name : script.replace(/\.[a-z]+$/, ''));
    draft.pools[name] = pool;
    draft.notes.push(`${where}: pool "${name}"`);
  });
}

/** PM2's "300M", "1G", "512K" to chaperone.json's sizes. */
function pm2Size(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const m = /^(\d+(?:\.\d+)?)\s*([KMG])?B?$/i.exec(v.trim());
  if (!m) return v;
  const unit = { K: 'KiB', M: 'MiB', G: 'GiB' }[(m[2] ?? '').toUpperCase() as 'K' | 'M' | 'G'];
  return unit ? `${m[1]}${unit}` : m[1];
}
