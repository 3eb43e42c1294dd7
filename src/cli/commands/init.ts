import { readFile, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../core/config/located-error';
import { parseConfigText } from '../../core/config/parse-config';
import { DEFAULT_REDIS_URL } from '../../core/config/redis-choice';
import { emptyDraft, type Draft } from '../../core/init/draft';
import { importPm2 } from '../../core/init/pm2';
import { importSupervisord } from '../../core/init/supervisord';
import { openQueueSession, NoConnectionError } from '../../engine';
import { detectProject } from '../../node/init/detect-project';
import { redactUrl } from '../../node/redis-connection';
import { parse } from '../cli-context';
import { ActionFailed, EXIT_OK, UsageError, type CliCommand } from '../cli-types';

const usage = 'chaperone init [--from-supervisord FILE] [--from-pm2 FILE] [--redis URL | --no-redis] [--dir DIR] [--dry-run] [--force]';

/** A first chaperone.json from what is here: the project's files, its queues in Redis, or an import. */
export const initCommand: CliCommand = {
  name: 'init',
  summary: 'write a first chaperone.json from the project (artisan, Procfile, sidekiq.yml, a Celery app), its queues in Redis, or a supervisord/PM2 file',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      'from-supervisord': { type: 'string' }, 'from-pm2': { type: 'string' }, redis: { type: 'string' }, 'no-redis': { type: 'boolean' },
      dir: { type: 'string' }, 'dry-run': { type: 'boolean' }, force: { type: 'boolean' },
    }, usage);
    if (positionals.length) throw new UsageError(`usage: ${usage}`);
    if (values.redis && values['no-redis']) throw new UsageError('--redis and --no-redis: choose one');
    const dir = path.resolve(values.dir ?? '.');
    const target = path.join(dir, 'chaperone.json');
    const exists = await readFile(target).then(() => true, () => false);
    if (exists && !values.force && !values['dry-run']) throw new ActionFailed(`${target} exists: --force replaces it (--dry-run prints what init would write)`);
    const draft = emptyDraft();
    const imported = values['from-supervisord'] || values['from-pm2'];
    if (values['from-supervisord']) importSupervisord(draft, await readInput(values['from-supervisord']), path.basename(values['from-supervisord']));
    if (values['from-pm2']) importPm2(draft, await readEcosystem(values['from-pm2']), path.basename(values['from-pm2']));
    if (!imported) await detectProject(dir, draft);
    const url = values.redis ?? process.env.CHAPERONE_REDIS_URL ?? DEFAULT_REDIS_URL;
    if (!values['no-redis']) await readQueues(draft, url);
    const config: Record<string, unknown> = {};
    if (values.redis) config.redis = { url: stripPassword(values.redis, draft) };
    if (Object.keys(draft.systems).length) config.queues = draft.systems;
    config.pools = draft.pools;
    const text = `${JSON.stringify(config, null, 2)}\n`;
    try {
      parseConfigText(text, target);
    } catch (err) {
      // What was imported is kept as the user wrote it (a size or signal supervisord took may not be valid here).
      if (err instanceof ConfigError) draft.notes.push(`the result needs a look before it runs:\n${err.message}`);
      else throw err;
    }
    if (values['dry-run']) {
      io.out(text.trimEnd());
      for (const n of draft.notes) io.err(`init: ${n}`);
      return EXIT_OK;
    }
    await writeFile(target, text, { flag: values.force ? 'w' : 'wx' });
    io.out(`wrote ${target}: ${Object.keys(draft.pools).length} pool(s), watching ${Object.keys(draft.systems).join(', ') || 'every system at its defaults'}`);
    for (const n of draft.notes) io.out(`  ${n}`);
    return EXIT_OK;
  },
};

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** JSON or YAML as data; a .js/.cjs ecosystem is a program, run as PM2 itself would (you named it). */
async function readEcosystem(file: string): Promise<unknown> {
  if (/\.(c?js)$/.test(file)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- PM2's ecosystem.config.js is CommonJS by definition
      return require(path.resolve(file)) as unknown;
    } catch (err) {
      throw new UsageError(`cannot load ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const text = await readInput(file);
  try {
    return /\.ya?ml$/.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function stripPassword(url: string, draft: Draft): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '';
    draft.notes.push('the Redis password is not written to chaperone.json: set CHAPERONE_REDIS_PASSWORD in the environment');
    return u.toString();
  } catch {
    return url;
  }
}

/** The queues in Redis, per system: SCAN-based discovery, read only, answered within a few seconds or not at all. */
async function readQueues(draft: Draft, url: string): Promise<void> {
  const laravel = draft.systems.laravel ?? {};
  const { config } = parseConfigText(JSON.stringify({ redis: { url }, queues: { bullmq: {}, laravel, sidekiq: {}, rq: {}, celery: {} } }), path.join(os.tmpdir(), 'chaperone.json'));
  let session;
  try {
    session = await openQueueSession(config, 'cli:init');
  } catch (err) {
    if (err instanceof NoConnectionError) {
      draft.notes.push(`Redis at ${redactUrl(url)} did not answer: no queues read from it (--redis URL, or --no-redis)`);
      return;
    }
    throw err;
  }
  try {
    const { counts, errors } = await session.service.overview();
    for (const e of errors) draft.notes.push(`Redis: ${e}`);
    const bySystem = new Map<string, string[]>();
    for (const c of counts) bySystem.set(c.queue.system, [...(bySystem.get(c.queue.system) ?? []), c.queue.name]);
    for (const [system, names] of bySystem) {
      draft.systems[system] ??= system === 'laravel' ? laravel : {};
      const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? ` and ${names.length - 10} more` : '');
      draft.notes.push(`Redis at ${redactUrl(url)}: ${system} queues ${shown}`);
      // A detected pool for this system serves the queues found rather than a guessed "default".
      for (const p of Object.values(draft.pools)) {
        if (p.queues?.length === 1 && p.queues[0] === `${system}:default` && !names.includes('default')) p.queues = names.slice(0, 50).map((n) => `${system}:${n}`);
      }
    }
    if (bySystem.size === 0) draft.notes.push(`Redis at ${redactUrl(url)}: no queues of any system yet`);
  } finally {
    await session.close();
  }
}
