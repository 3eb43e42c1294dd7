// A stand-in "VS Code executable" for @vscode/test-electron's runTests (vscodeExecutablePath): it
// takes the arguments test-electron gives Electron VS Code (a folder, --extensionDevelopmentPath,
// --extensionTestsPath, --user-data-dir) and runs the tests in code-server's real extension host,
// opened in headless chromium. Exit code: the extension host's (0 when every test passed).
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { launchBrowser, startCodeServer, workbenchUrl } from './code-server';

async function main(argv: string[]): Promise<number> {
  const opt = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const devPath = opt('extensionDevelopmentPath');
  let testsPath = opt('extensionTestsPath');
  if (!devPath || !testsPath) {
    process.stderr.write('code-shim: need --extensionDevelopmentPath and --extensionTestsPath\n');
    return 2;
  }
  if (statSync(testsPath, { throwIfNoEntry: false })?.isDirectory()) testsPath = path.join(testsPath, 'index.js');
  const folder = argv.find((a) => !a.startsWith('-')) ?? mkdtempSync(path.join(os.tmpdir(), 'chaperone-ws-'));
  const userDataDir = path.resolve(opt('user-data-dir') ?? mkdtempSync(path.join(os.tmpdir(), 'chaperone-ud-')));
  mkdirSync(userDataDir, { recursive: true });
  const cs = await startCodeServer(userDataDir);
  const browser = await launchBrowser(userDataDir);
  try {
    const page = browser.ctx.pages()[0] ?? (await browser.ctx.newPage());
    let done: (code: number | 'timeout') => void = () => undefined;
    const finished = new Promise<number | 'timeout'>((r) => (done = r));
    // The workbench calls these when it runs extension tests (the automation hooks of VS Code's own test runner).
    await page.exposeFunction('codeAutomationExit', (code: number) => done(code));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = util.format(...(args ?? []));
      if (/open-vsx\.org|vsda|Resolving|Resolved|Creating a socket|\[Service Worker\]/.test(line)) return;
      if (type === 'error') process.stderr.write(`${line}\n`);
      else process.stdout.write(`${line}\n`);
    });
    page.on('console', (m) => {
      const t = m.text();
      if (t.includes('[Extension Host]')) process.stdout.write(`${t.replace(/%c\[Extension Host\] ?/g, '').replace(/ ?color: blue ?/g, '').trimEnd()}\n`);
      else if (process.env.VERBOSE) process.stdout.write(`[page] ${t}\n`);
    });
    await page.goto(workbenchUrl(cs, folder, [['extensionDevelopmentPath', devPath], ['extensionTestsPath', testsPath], ['skipWelcome', 'true']]));
    const timeoutMs = Number(process.env.EXT_TEST_TIMEOUT_MS ?? 600_000);
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    const code = await finished;
    clearTimeout(timer);
    if (code === 'timeout') process.stderr.write(`code-shim: no result after ${timeoutMs} ms\n`);
    return code === 0 ? 0 : 1;
  } finally {
    await browser.close();
    await cs.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`code-shim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
