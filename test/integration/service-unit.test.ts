// `chaperone service install`: the unit it prints and writes, checked by systemd's own verifier
// where the machine has one, from a folder whose name needs systemd's escaping.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/engine-harness';
import { runCli } from '../helpers/run-cli';

const run = promisify(execFile);

async function systemdAnalyze(): Promise<boolean> {
  return run('systemd-analyze', ['--version']).then(() => true, () => false);
}

describe('chaperone service install', function () {
  this.timeout(60_000);

  it('prints and writes a unit that systemd-analyze verify accepts; secrets only named, in a 0600 file', async function () {
    const dir = path.join(tempDir(), 'my app 100%');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({
      pools: { emails: { command: ['php', 'artisan', 'queue:work'], stop: { timeout: '45s' } } },
      connections: { reports: { url: 'redis://10.0.0.2:6379' } },
      notify: [{ webhook: 'env:SLACK_HOOK', format: 'slack' }, { email: { smtp: 'smtp://ops@mail.example', from: 'a@b.c', to: 'c@d.e' } }],
    }));
    const xdg = tempDir();
    const env = { XDG_CONFIG_HOME: xdg };
    const dry = await runCli(['service', 'install', '--user', '--dry-run', '--metrics', '127.0.0.1:9464'], { cwd: dir, env });
    assert.equal(dry.code, 0, dry.stderr);
    const unitFile = path.join(xdg, 'systemd', 'user', 'chaperone-my-app-100.service');
    assert.match(dry.stdout, new RegExp(`^# ${unitFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    for (const line of [
      'KillMode=control-group', 'Restart=on-failure', 'TimeoutStopSec=60', 'WantedBy=default.target',
      `WorkingDirectory=${dir.replace('%', '%%')}`, `EnvironmentFile=-${path.join(xdg, 'chaperone', 'chaperone-my-app-100.env')}`,
    ]) assert.ok(dry.stdout.split('\n').includes(line), `${line}\n${dry.stdout}`);
    const exec = dry.stdout.split('\n').find((l) => l.startsWith('ExecStart='));
    assert.equal(exec, `ExecStart=${process.execPath} ${path.resolve('dist/cli.js')} supervise --config "${path.join(dir, 'chaperone.json').replace('%', '%%')}" --metrics 127.0.0.1:9464`);
    for (const v of ['CHAPERONE_REDIS_PASSWORD=', 'CHAPERONE_REDIS_PASSWORD_REPORTS=', 'SLACK_HOOK=', 'CHAPERONE_SMTP_PASSWORD=']) assert.ok(dry.stdout.includes(`# ${v}`), v);
    assert.throws(() => statSync(unitFile), 'a dry run writes nothing');

    const inst = await runCli(['service', 'install', '--user'], { cwd: dir, env });
    assert.equal(inst.code, 0, inst.stderr);
    assert.match(inst.stdout, /next: systemctl --user daemon-reload && systemctl --user enable --now chaperone-my-app-100/);
    const envFile = path.join(xdg, 'chaperone', 'chaperone-my-app-100.env');
    assert.equal(statSync(envFile).mode & 0o777, 0o600);
    writeFileSync(envFile, 'SLACK_HOOK=https://hooks.example/secret\n');
    assert.equal((await runCli(['service', 'install', '--user'], { cwd: dir, env })).code, 0, 'the same unit again: fine');
    assert.equal(readFileSync(envFile, 'utf8'), 'SLACK_HOOK=https://hooks.example/secret\n', 'an existing environment file is kept');
    const changed = await runCli(['service', 'install', '--user', '--metrics', '127.0.0.1:9500'], { cwd: dir, env });
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /exists and differs: --force replaces it/);
    assert.equal((await runCli(['service', 'install', '--user', '--metrics', '127.0.0.1:9500', '--force'], { cwd: dir, env })).code, 0);

    if (!(await systemdAnalyze())) {
      this.skip(); // no systemd on this machine: the unit's text was checked above
      return;
    }
    // verify reads the unit as systemd would; problems are printed (its exit code stays 0 for some).
    const v = await run('systemd-analyze', ['verify', unitFile]).catch((err: { stdout: string; stderr: string }) => ({ stdout: err.stdout, stderr: `${err.stderr} (failed)` }));
    const complaints = `${v.stdout}${v.stderr}`.split('\n').filter((l) => l.includes(path.basename(unitFile)) || l.includes('(failed)'));
    assert.deepEqual(complaints, [], `${v.stdout}${v.stderr}`);
  });

  it('refuses what would not work, naming it', async () => {
    const dir = tempDir();
    const none = await runCli(['service', 'install', '--dry-run'], { cwd: dir });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no chaperone.json found/);
    writeFileSync(path.join(dir, 'chaperone.json'), '{}');
    for (const [args, why] of [[['--name', 'a b'], /not a unit name/], [['--metrics', 'nope'], /HOST:PORT/], [['--user', '--run-as', 'www-data'], /--run-as is for a system unit/]] as const) {
      const r = await runCli(['service', 'install', '--dry-run', ...args], { cwd: dir });
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, why);
    }
  });
});
