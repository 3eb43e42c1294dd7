import { realpathSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { envName } from '../../core/config/parse-config';
import type { ChaperoneConfig } from '../../core/config/types';
import { renderEnvironmentFile, renderServiceUnit, unitNameFor } from '../../core/service-unit';
import { parseListen } from '../../node/signals/prometheus';
import { loadConfigFile, parse } from '../cli-context';
import { ActionFailed, EXIT_OK, UsageError, type CliCommand } from '../cli-types';

const usage = 'chaperone service install [--user] [--dry-run] [--name NAME] [--run-as USER] [--metrics HOST:PORT] [--force] [--config FILE]';

/** `chaperone service install`: a systemd unit that runs `chaperone supervise` for this config. */
export const serviceCommand: CliCommand = {
  name: 'service',
  summary: 'service install: write a systemd unit for `chaperone supervise` (--dry-run prints it)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      config: { type: 'string', short: 'c' }, user: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, name: { type: 'string' },
      'run-as': { type: 'string' }, metrics: { type: 'string' }, force: { type: 'boolean' },
    }, usage);
    if (positionals.length !== 1 || positionals[0] !== 'install') throw new UsageError(`usage: ${usage}`);
    const config = await loadConfigFile(values);
    if (!config) throw new UsageError('no chaperone.json found here (use --config FILE): the unit runs `chaperone supervise` for one configuration');
    const file = path.resolve(config.file);
    const dir = path.dirname(file);
    const name = values.name ?? unitNameFor(path.basename(dir));
    if (!/^[A-Za-z0-9_.@-]{1,200}$/.test(name)) throw new UsageError(`--name: "${name}" is not a unit name (letters, digits, _ . @ -)`);
    if (values.metrics !== undefined && !parseListen(values.metrics)) throw new UsageError(`--metrics takes HOST:PORT (e.g. 127.0.0.1:9464), not "${values.metrics}"`);
    const runAs = values['run-as'];
    if (runAs !== undefined && !/^[a-z_][a-z0-9_-]{0,31}\$?$/.test(runAs)) throw new UsageError(`--run-as: "${runAs}" is not a user name`);
    if (runAs !== undefined && values.user) throw new UsageError('--run-as is for a system unit; a --user unit runs as you');
    const home = os.homedir();
    const unitDir = values.user ? path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'systemd', 'user') : '/etc/systemd/system';
    const envFile = values.user ? path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'chaperone', `${name}.env`) : `/etc/chaperone/${name}.env`;
    const unit = renderServiceUnit({
      name, user: !!values.user, node: process.execPath, cli: realpathSync(process.argv[1]), config: file, workingDirectory: dir,
      environmentFile: envFile, stopTimeoutMs: Math.max(10_000, ...config.pools.map((p) => p.stop.timeoutMs)),
      ...(runAs ? { runAs } : {}), extraArgs: values.metrics ? ['--metrics', values.metrics] : [],
    });
    const unitFile = path.join(unitDir, `${name}.service`);
    if (values['dry-run']) {
      io.out(`# ${unitFile}`);
      io.out(unit);
      io.out(`# ${envFile} (written only if missing, mode 0600)`);
      io.out(renderEnvironmentFile(name, secretNames(config)));
      return EXIT_OK;
    }
    const old = await readFile(unitFile, 'utf8').catch(() => undefined);
    if (old !== undefined && old !== unit && !values.force) throw new ActionFailed(`${unitFile} exists and differs: --force replaces it (--dry-run shows the new one)`);
    try {
      await mkdir(unitDir, { recursive: true });
      await writeFile(unitFile, unit, { mode: 0o644 });
      const haveEnv = await stat(envFile).then(() => true, () => false);
      if (!haveEnv) {
        await mkdir(path.dirname(envFile), { recursive: true, mode: 0o700 });
        await writeFile(envFile, renderEnvironmentFile(name, secretNames(config)), { mode: 0o600 });
        await chmod(envFile, 0o600);
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EACCES' || e.code === 'EPERM') throw new ActionFailed(`cannot write ${e.path ?? unitFile}: permission denied (a system unit needs root; --user writes one for you alone)`);
      throw err;
    }
    const ctl = values.user ? 'systemctl --user' : 'systemctl';
    io.out(`wrote ${unitFile}`);
    io.out(`secrets go in ${envFile} (0600)`);
    io.out(`next: ${ctl} daemon-reload && ${ctl} enable --now ${name}`);
    if (values.user) io.out(`(to keep it running after you log out: loginctl enable-linger ${os.userInfo().username})`);
    return EXIT_OK;
  },
};

/** The variables this configuration reads its secrets from. */
function secretNames(config: ChaperoneConfig): { name: string; why: string }[] {
  const out = [{ name: 'CHAPERONE_REDIS_PASSWORD', why: 'the password of redis.url, if it has one' }];
  for (const c of config.connections) if (c.name !== 'default') out.push({ name: `CHAPERONE_REDIS_PASSWORD_${envName(c.name)}`, why: `connection "${c.name}"` });
  for (const n of config.notify) {
    if (n.target.kind === 'webhook' && 'env' in n.target.url) out.push({ name: n.target.url.env, why: `notify ${n.name}: the webhook URL` });
    if (n.target.kind === 'email') out.push({ name: n.target.smtp.passwordEnv, why: `notify ${n.name}: the SMTP password` });
  }
  return out;
}
