// `npm test`'s editor part: installs code-server into .vscode-test/ (once), starts the harness's own
// redis-servers, runs the mocha suite inside the real extension host with @vscode/test-electron's
// runTests (pointed at code-shim.sh, since this machine cannot download VS Code), then the UI checks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { Queue } from 'bullmq';
import { ROOT } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { uiChecks } from './ui-checks';
import { makeWorkspace } from './workspace';

const AUTH_PASSWORD = 'editor-test-secret';

async function main(): Promise<number> {
  execFileSync('bash', [path.join(ROOT, 'test', 'vscode', 'install-code-server.sh')], { stdio: 'inherit' });
  const [main, prod, auth] = await Promise.all([TestRedis.start(), TestRedis.start(), TestRedis.start()]);
  // The password is set once the server answers (the harness's readiness check pings without one).
  const admin = auth.client();
  await admin.config('SET', 'requirepass', AUTH_PASSWORD);
  admin.disconnect();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'chaperone-vscode-'));
  let failed = 0;
  try {
    const only = process.env.CHAPERONE_VSCODE_ONLY; // "suite" or "ui" while working on one of them
    if (only !== 'ui') {
      // On the read-only server before the editor starts, so its first discovery finds it.
      const seed = new Queue('ro-reports', { connection: { url: prod.url, maxRetriesPerRequest: null } });
      await seed.add('r', {});
      await seed.close();
      const result = path.join(tmp, 'result.txt');
      const code = await runTests({
        vscodeExecutablePath: path.join(ROOT, 'test', 'vscode', 'code-shim.sh'),
        extensionDevelopmentPath: ROOT,
        extensionTestsPath: path.join(ROOT, 'out', 'test', 'vscode', 'suite', 'index.js'),
        launchArgs: [makeWorkspace(main.url, prod.url), `--user-data-dir=${path.join(tmp, 'user-data')}`],
        extensionTestsEnv: {
          CHAPERONE_TEST_REDIS_URL: main.url, CHAPERONE_TEST_PROD_URL: prod.url,
          CHAPERONE_TEST_AUTH_URL: auth.url, CHAPERONE_TEST_AUTH_PASSWORD: AUTH_PASSWORD,
          CHAPERONE_REDIS_URL: main.url, CHAPERONE_TEST_RESULT: result,
        },
      }).catch((err: unknown) => {
        console.error(`extension host tests: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
      });
      let summary = 'vscode tests: no result';
      try {
        summary = readFileSync(result, 'utf8').trim();
      } catch {
        // the extension host never got to write one
      }
      console.log(summary);
      if (code !== 0 || !/ 0 failed/.test(summary)) failed++;
    }
    if (only !== 'suite') {
      await Promise.all([main, prod].map(async (r) => {
        const c = r.client();
        await c.flushall();
        c.disconnect();
      }));
      // The UI checks run the packaged extension: `npm run package`'s .vsix, installed as a user would.
      execFileSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'pipe' });
      const vsix = path.join(ROOT, 'chaperone.vsix');
      const checks = await uiChecks(main.url, prod.url, vsix);
      for (const c of checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ui: ${c.name} — ${c.detail}`);
      const bad = checks.filter((c) => !c.ok).length;
      console.log(`ui checks: ${checks.length - bad} passed, ${bad} failed (screenshots in .vscode-test/screenshots/)`);
      if (bad) failed++;
    }
  } finally {
    await Promise.all([main.stop(), prod.stop(), auth.stop()]);
    rmSync(tmp, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
