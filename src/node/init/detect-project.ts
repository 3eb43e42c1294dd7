// What `chaperone init` finds in a project folder: an artisan file (Laravel; Horizon when composer.json
// requires it), a Procfile, a sidekiq.yml, a Celery app, RQ or BullMQ among the dependencies. Reads
// are bounded (a few known files, at most MAX_PY Python files one level deep, each at most 1 MB).
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { poolName, type Draft } from '../../core/init/draft';
import { importProcfile } from '../../core/init/procfile';
import { importSidekiqYml } from '../../core/init/sidekiq-yml';

const MAX_PY = 200;
const MAX_BYTES = 1024 * 1024;

async function text(file: string): Promise<string | undefined> {
  try {
    const st = await stat(file);
    if (!st.isFile() || st.size > MAX_BYTES) return undefined;
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Laravel's Redis prefix, as config/database.php computes it: REDIS_PREFIX, else slug(APP_NAME)_database_. */
function laravelPrefix(env: string | undefined): string {
  const get = (k: string): string | undefined => {
    const m = new RegExp(`^${k}=(.*)$`, 'm').exec(env ?? '');
    return m ? m[1].trim().replace(/^(["'])(.*)\1$/, '$2') : undefined;
  };
  const explicit = get('REDIS_PREFIX');
  if (explicit !== undefined) return explicit;
  const app = get('APP_NAME') ?? 'laravel';
  return `${app.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '')}_database_`;
}

export async function detectProject(dir: string, draft: Draft): Promise<void> {
  const procfile = await text(path.join(dir, 'Procfile'));
  if (procfile !== undefined) importProcfile(draft, procfile, 'Procfile');
  const fromProcfile = Object.keys(draft.pools).length > 0;
  const skip = (what: string): void => void draft.notes.push(`${what}: its pool comes from the Procfile`);

  if ((await text(path.join(dir, 'artisan'))) !== undefined) {
    const prefix = laravelPrefix(await text(path.join(dir, '.env')));
    draft.systems.laravel = prefix === 'laravel_database_' ? {} : { prefix };
    const composer = await text(path.join(dir, 'composer.json'));
    const horizon = composer !== undefined && /"laravel\/horizon"/.test(composer);
    if (horizon) draft.systems.laravel.horizon = {};
    if (fromProcfile) skip('artisan');
    else if (horizon) {
      const name = poolName(draft, 'horizon');
      draft.pools[name] = { command: ['php', 'artisan', 'horizon'], processes: 1, stop: { signal: 'SIGTERM', timeout: '60s' } };
      draft.notes.push(`artisan + laravel/horizon: pool "${name}" runs Horizon (its supervisors run the workers); Redis prefix ${prefix}`);
    } else {
      const name = poolName(draft, 'laravel');
      draft.pools[name] = { command: ['php', 'artisan', 'queue:work', 'redis', '--sleep=3', '--tries=3', '--max-time=3600'], processes: 2, stop: { signal: 'SIGTERM', timeout: '60s' }, queues: ['laravel:default'] };
      draft.notes.push(`artisan: pool "${name}" (php artisan queue:work redis); Redis prefix ${prefix}`);
    }
  }

  for (const f of ['config/sidekiq.yml', 'sidekiq.yml']) {
    const yml = await text(path.join(dir, f));
    if (yml === undefined) continue;
    if (fromProcfile) {
      draft.systems.sidekiq ??= {};
      skip(f);
    } else importSidekiqYml(draft, yml, f);
    break;
  }

  const celery = await findCeleryApp(dir);
  if (celery) {
    draft.systems.celery ??= {};
    if (fromProcfile) skip(celery.file);
    else {
      const name = poolName(draft, 'celery');
      draft.pools[name] = { command: ['celery', '-A', celery.module, 'worker', '--loglevel=INFO'], processes: 1, stop: { signal: 'SIGTERM', timeout: '60s' } };
      draft.notes.push(`${celery.file}: a Celery app; pool "${name}" (celery -A ${celery.module} worker)`);
    }
  }

  const pyDeps = `${(await text(path.join(dir, 'requirements.txt'))) ?? ''}\n${(await text(path.join(dir, 'pyproject.toml'))) ?? ''}`;
  if (/^\s*["']?rq\b/m.test(pyDeps)) {
    draft.systems.rq ??= {};
    if (fromProcfile) skip('rq (requirements)');
    else {
      const name = poolName(draft, 'rq');
      draft.pools[name] = { command: ['rq', 'worker', 'default'], processes: 1, stop: { signal: 'SIGTERM', timeout: '30s' }, queues: ['rq:default'] };
      draft.notes.push(`rq among the Python dependencies: pool "${name}" (rq worker default)`);
    }
  }

  const pkg = await text(path.join(dir, 'package.json'));
  if (pkg !== undefined && /"bullmq"\s*:/.test(pkg)) {
    draft.systems.bullmq ??= {};
    draft.notes.push('package.json: bullmq is a dependency; add the script that starts your Worker as a pool (Chaperone cannot tell which one it is)');
  }
}

/** A Python module that creates a Celery app ("Celery(" in it): top-level files and PACKAGE/celery.py. */
async function findCeleryApp(dir: string): Promise<{ file: string; module: string } | undefined> {
  const candidates: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (candidates.length >= MAX_PY) break;
    if (e.isFile() && e.name.endsWith('.py')) candidates.push(e.name);
    else if (e.isDirectory() && !e.name.startsWith('.') && !['node_modules', 'vendor', 'venv', '.venv', '__pycache__'].includes(e.name)) candidates.push(`${e.name}/celery.py`);
  }
  for (const rel of candidates.sort((a, b) => Number(b.endsWith('/celery.py')) - Number(a.endsWith('/celery.py')))) {
    const t = await text(path.join(dir, rel));
    if (t && /\bCelery\s*\(/.test(t)) return { file: rel, module: rel.endsWith('/celery.py') ? rel.slice(0, -'/celery.py'.length) : rel.replace(/\.py$/, '') };
  }
  return undefined;
}
