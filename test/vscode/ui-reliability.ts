// UI checks of what must hold when the editor itself goes away or is not trusted, in the real
// workbench: Reload Window keeps the same workers (counted in /proc all along), an invalid edit says
// the previous configuration keeps running, each action is one audit line in the channel's log
// file, and an untrusted workspace contacts no Redis its chaperone.json names until it is trusted.
import * as assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Redis from 'ioredis';
import type { Page } from 'playwright-core';
import { ControlClient } from '../../src/node/control-client';
import { FIXTURES, ROOT } from '../helpers/paths';
import { TestRedis } from '../helpers/redis-server';
import { SHOTS, installExtension, launchBrowser, startCodeServer, workbenchUrl } from './code-server';
import { POOL, POOL_QUEUE } from './workspace';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Live (not zombie) processes of a worker fixture (BullMQ's by default) serving this queue, read from /proc. */
export async function workerPids(queue: string, script = 'bullmq-worker.js'): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const [cmdline, environ, stat] = await Promise.all(['cmdline', 'environ', 'stat'].map((f) => readFile(`/proc/${name}/${f}`, 'utf8')));
      if (!cmdline.includes(script) || !environ.split('\0').includes(`QUEUE=${queue}`)) continue;
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      out.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return out.sort((a, b) => a - b);
}

/** The newest supervisor's view of the test pool: its id and its running workers' pids. */
async function published(redis: Redis): Promise<{ id: string; pids: number[] } | undefined> {
  const seen = await new ControlClient(redis).supervisors();
  const newest = seen.map((s) => s.snapshot).filter((s) => s?.pools.some((p) => p.name === POOL)).sort((a, b) => (b?.startedAt ?? 0) - (a?.startedAt ?? 0))[0];
  const pool = newest?.pools.find((p) => p.name === POOL);
  if (!newest || !pool) return undefined;
  return { id: newest.id, pids: pool.workers.filter((w) => w.state === 'running' && w.pid !== null).map((w) => w.pid as number).sort((a, b) => a - b) };
}

async function statusText(page: Page): Promise<string | undefined> {
  return page.locator('.part.statusbar .statusbar-item', { hasText: 'Chaperone:' }).first().innerText({ timeout: 200 }).then((t) => t.trim(), () => undefined);
}

/** Reload Window with a running pool: the same pids before, all through, and after; never 0, never doubled. */
export async function reloadKeepsWorkers(page: Page, redis: Redis, runCommand: (page: Page, title: string) => Promise<void>, userData: string): Promise<string> {
  let before = await published(redis);
  for (const end = Date.now() + 30_000; (!before || before.pids.length !== 2) && Date.now() < end; await sleep(200)) before = await published(redis);
  assert.ok(before && before.pids.length === 2, `2 running workers before the reload (${JSON.stringify(before)}; ${JSON.stringify((await new ControlClient(redis).supervisors()).map((s) => s.snapshot?.pools))})`);
  assert.deepEqual(await workerPids(POOL_QUEUE), before.pids, 'the published pids are the live processes');
  await runCommand(page, 'Developer: Reload Window');
  const counts = new Set<number>();
  const texts = new Set<string>();
  let after: { id: string; pids: number[] } | undefined;
  // When the new supervisor first published its pool; the status bar comes later.
  let handedOver: number | undefined;
  const t0 = Date.now();
  while (Date.now() - t0 < 90_000) {
    const live = await workerPids(POOL_QUEUE);
    counts.add(live.length);
    assert.deepEqual(live, before.pids, `the workers of before the reload, at ${Date.now() - t0} ms`);
    const text = await statusText(page);
    if (text) texts.add(text);
    const now = await published(redis);
    if (now && now.id !== before.id && handedOver === undefined) handedOver = Date.now() - t0;
    if (now && now.id !== before.id && now.pids.length === 2 && text && /2 workers/.test(text)) {
      after = now;
      break;
    }
    await sleep(50);
  }
  assert.ok(after, `a new extension host took the pool over (status bar said: ${[...texts].join(' | ')})`);
  assert.deepEqual(after.pids, before.pids, 'the new supervisor reports the same pids');
  const zero = [...texts].filter((t) => /Chaperone: 0 workers/.test(t));
  assert.deepEqual(zero, [], 'the status bar never says 0 workers during the reload');
  // The handover itself, as the new supervisor says it: how long the workers waited, against the grace.
  const said = (await channelLines(userData)).filter((l) => /took over 2 worker\(s\) from the previous supervisor/.test(l)).pop();
  const waited = said && / (\S+) after it left \(they were kept for up to (\S+),/.exec(said);
  assert.ok(waited, `the new supervisor says how long the workers waited for it (${said ?? 'no "took over" line in the channel'})`);
  return `pids ${before.pids.join(', ')} kept through the reload: taken over ${waited[1]} after the old supervisor let go (handoverGrace ${waited[2]}); the new supervisor published them at ${handedOver} ms after the command, the status bar at ${Date.now() - t0} ms; live count always ${[...counts].join('/')}; status bar: ${[...texts].join(' → ')}`;
}

/** A broken edit while the pool runs: one notice that the previous configuration keeps running; the workers stay. */
export async function invalidEditKeepsRunning(page: Page, ws: string): Promise<string> {
  const file = path.join(ws, 'chaperone.json');
  const good = readFileSync(file, 'utf8');
  let pids = await workerPids(POOL_QUEUE);
  for (const end = Date.now() + 30_000; pids.length !== 2 && Date.now() < end; await sleep(200)) pids = await workerPids(POOL_QUEUE);
  assert.equal(pids.length, 2, 'the pool runs its 2 workers');
  try {
    writeFileSync(file, good.replace('"initial": 2', '"initial": "two"'));
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'the previous configuration keeps running' }).first();
    await toast.waitFor({ timeout: 30_000 });
    const text = (await toast.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /chaperone\.json has \d+ problem\(s\); the previous configuration keeps running \(1 pool\(s\)\)/);
    await page.screenshot({ path: path.join(SHOTS, '05-invalid-config.png') });
    await sleep(1500);
    assert.deepEqual(await workerPids(POOL_QUEUE), pids, 'the same workers run on');
    await toast.locator('.codicon-notifications-clear, .codicon-close').first().click().catch(() => undefined);
    return `"${text.slice(0, 140)}"; workers ${pids.join(', ')} untouched`;
  } finally {
    writeFileSync(file, good);
  }
}

/** Every line of the Chaperone channel's log files under a user data dir (each window writes its own). */
export async function channelLines(userData: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('Chaperone.log')) files.push(p);
    }
  };
  await walk(path.join(userData, 'logs'));
  const lines: string[] = [];
  for (const f of files) lines.push(...(await readFile(f, 'utf8')).split('\n'));
  return lines;
}

/** One drain: one audit line in the channel, not one per sink. */
export async function oneAuditLine(userData: string): Promise<string> {
  let lines: string[] = [];
  const deadline = Date.now() + 10_000;
  do {
    lines = (await channelLines(userData)).filter((l) => new RegExp(`audit: \\S+ drain ${POOL}\\b`).test(l));
    if (lines.length) break;
    await sleep(300);
  } while (Date.now() < deadline);
  assert.equal(lines.length, 1, `one audit line for the drain, got:\n${lines.join('\n')}`);
  return lines[0].replace(/^\S+ \S+ /, '');
}

/**
 * A workspace opened with Workspace Trust on, answered "No": its chaperone.json names a Redis that
 * gets no connection and a pool that does not start; trusted from Manage Workspace Trust, both do.
 * The pool is a real RQ (Python) worker; then code-server's whole process group is SIGKILLed, and
 * the worker must stop (the spawner's grace, then its stop signal) and take no more jobs.
 */
export async function untrustedContactsNothing(defaultUrl: string, vsix: string | undefined): Promise<string> {
  const fileRedis = await TestRedis.start();
  const userData = mkdtempSync(path.join(os.tmpdir(), 'chaperone-trust-'));
  const ws = mkdtempSync(path.join(os.tmpdir(), 'chaperone-untrusted-'));
  const queue = 'untrusted-mail';
  const RQ_WORKER = path.join(FIXTURES, 'rq', 'worker.sh');
  const rqPids = (): Promise<number[]> => workerPids(queue, 'rq.cli');
  writeFileSync(path.join(ws, 'chaperone.json'), JSON.stringify({
    redis: { url: fileRedis.url },
    queues: { bullmq: {} },
    supervisor: { handoverGrace: '1s' },
    pools: { [POOL]: { command: [RQ_WORKER], env: { REDIS_URL: fileRedis.url, QUEUE: queue }, processes: 1, stop: { timeout: '5s' } } },
    signals: { interval: '1s', idleInterval: '1s' },
  }, null, 2));
  const admin = fileRedis.client();
  const connections = async (): Promise<number> => Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1]);
  if (vsix) installExtension(userData, vsix);
  const cs = await startCodeServer(userData, { ...process.env, CHAPERONE_REDIS_URL: defaultUrl }, { trust: true });
  const browser = await launchBrowser(userData);
  const page = browser.ctx.pages()[0] ?? (await browser.ctx.newPage());
  try {
    await admin.ping();
    const base = await connections();
    await page.goto(workbenchUrl(cs, ws, vsix ? [['skipWelcome', 'true']] : [['extensionDevelopmentPath', ROOT], ['skipWelcome', 'true']]));
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'trust' });
    await dialog.waitFor({ timeout: 90_000 });
    await page.screenshot({ path: path.join(SHOTS, '06-trust-prompt.png') });
    await dialog.locator('.monaco-button', { hasText: /No, I don.t trust/ }).first().click();
    await page.locator('.part.statusbar .statusbar-item', { hasText: 'Chaperone:' }).first().waitFor({ timeout: 90_000 });
    await sleep(5000); // five signal ticks: time enough for any connection to be made
    const untrusted = await connections();
    assert.equal(untrusted - base, 0, 'no connection to the Redis chaperone.json names');
    assert.deepEqual(await rqPids(), [], 'no worker started');
    const lines = await channelLines(userData);
    assert.ok(lines.some((l) => l.includes('untrusted workspace')), 'the log says why nothing runs');
    // Trusting it from Manage Workspace Trust starts what the file asks for.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Workspaces: Manage Workspace Trust');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Manage Workspace Trust' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click({ timeout: 30_000 });
    const deadline = Date.now() + 60_000;
    while ((await rqPids()).length !== 1 && Date.now() < deadline) await sleep(200);
    const trusted = await rqPids();
    assert.equal(trusted.length, 1, 'the pool starts once trusted');
    // Its worker registers in the Redis the file names (Python takes a moment to start).
    const registered = Date.now() + 20_000;
    while ((await admin.scard('rq:workers')) === 0 && Date.now() < registered) await sleep(200);
    assert.equal(await admin.scard('rq:workers'), 1, 'the RQ worker registered in the Redis chaperone.json names');
    assert.ok((await connections()) > untrusted, 'and that Redis is contacted');
    // SIGKILL of code-server's whole process group (an OOM kill, a killed container shell).
    await browser.close();
    await cs.stop('SIGKILL');
    const t0 = Date.now();
    while ((await rqPids()).length && Date.now() - t0 < 15_000) await sleep(200);
    assert.deepEqual(await rqPids(), [], 'the RQ worker is stopped after the spawner\'s grace');
    const gone = Date.now() - t0;
    await sleep(500);
    assert.deepEqual(await admin.smembers('rq:workers'), [], 'and deregistered: it takes no more jobs');
    return `untrusted: 0 connections to ${fileRedis.url.replace(/^redis:\/\//, '')} and no worker in 5 s; trusted: RQ worker ${trusted[0]} runs; code-server's group SIGKILLed: the worker stopped ${gone} ms later`;
  } finally {
    await browser.close();
    await cs.stop();
    // The spawner outlives code-server by its 1 s grace, then stops the worker.
    const deadline = Date.now() + 15_000;
    while ((await rqPids()).length && Date.now() < deadline) await sleep(200);
    admin.disconnect();
    await fileRedis.stop();
  }
}
