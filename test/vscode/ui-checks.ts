// UI checks in the real workbench, driven by playwright-core + Debian chromium, as a user would:
// the three views show a real pool and real queues; a drain from the palette drains the real pool;
// a breached threshold turns the status bar and puts a problem on the rule's line; the dashboard
// draws its charts. Screenshots go to .vscode-test/screenshots/.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { FrameLocator, Page } from 'playwright-core';
import { ControlClient } from '../../src/node/control-client';
import { ROOT } from '../helpers/paths';
import { SHOTS, installExtension, launchBrowser, startCodeServer, workbenchUrl } from './code-server';
import { invalidEditKeepsRunning, oneAuditLine, reloadKeepsWorkers, untrustedContactsNothing } from './ui-reliability';
import { BACKLOG_QUEUE, POOL, makeWorkspace } from './workspace';


export interface UiCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Runs a command from the palette. On a loaded machine the palette's input can be re-rendered
 * between being shown and being typed into: the attempt is made again (three times at most).
 */
async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill(`>${title}`, { timeout: 10_000 });
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      await page.keyboard.press('Escape');
    }
  }
}

/** vsix: the packaged extension, installed as a user would (else it is loaded from the repository). */
export async function uiChecks(url: string, prodUrl: string, vsix?: string): Promise<UiCheck[]> {
  mkdirSync(SHOTS, { recursive: true });
  const ws = makeWorkspace(url, prodUrl);
  const userData = mkdtempSync(path.join(os.tmpdir(), 'chaperone-ui-'));
  if (vsix) installExtension(userData, vsix);
  const cs = await startCodeServer(userData, { ...process.env, CHAPERONE_REDIS_URL: url });
  const browser = await launchBrowser(userData);
  const backlog = new Queue(BACKLOG_QUEUE, { connection: { url, maxRetriesPerRequest: null } });
  const redis = new Redis(url);
  const results: UiCheck[] = [];
  // CHAPERONE_UI_ONLY: a pattern of check names to run (while working on some of them).
  const only = process.env.CHAPERONE_UI_ONLY ? new RegExp(process.env.CHAPERONE_UI_ONLY) : undefined;
  const check = async (name: string, fn: () => Promise<string>): Promise<void> => {
    if (only && !only.test(name)) return;
    try {
      results.push({ name, ok: true, detail: await fn() });
    } catch (err) {
      results.push({ name, ok: false, detail: err instanceof Error ? err.message : String(err) });
      await page.screenshot({ path: path.join(SHOTS, `failed-${results.length}.png`) }).catch(() => undefined);
    }
  };
  const page = browser.ctx.pages()[0] ?? (await browser.ctx.newPage());
  try {
    await backlog.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: `report-${i}`, data: { i } })));
    await page.goto(workbenchUrl(cs, ws, vsix ? [['skipWelcome', 'true']] : [['extensionDevelopmentPath', ROOT], ['skipWelcome', 'true']]));
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    const status = page.locator('.part.statusbar .statusbar-item', { hasText: 'Chaperone:' }).first();
    await status.waitFor({ timeout: 90_000 });

    // When the first engine has drawn its first figures (the views check sees them): its history starts here.
    let firstFiguresAt = Date.now();
    await check('the three views show the real pool and real queues', async () => {
      await page.locator('.part.activitybar [aria-label^="Chaperone"]').first().click();
      const sidebar = page.locator('.part.sidebar');
      await sidebar.locator('.monaco-list-row', { hasText: POOL }).first().waitFor({ timeout: 30_000 });
      await sidebar.locator('.monaco-list-row', { hasText: BACKLOG_QUEUE }).first().waitFor({ timeout: 30_000 });
      const row = await sidebar.locator('.monaco-list-row', { hasText: BACKLOG_QUEUE }).first().innerText();
      firstFiguresAt = Date.now();
      assert.match(row, new RegExp(`30 ${BACKLOG_QUEUE}\\s*pending`));
      const headers = await sidebar.locator('.pane-header h3.title').allInnerTexts();
      for (const h of ['WORKERS', 'QUEUES', 'TENANTS']) assert.ok(headers.map((x) => x.toUpperCase()).includes(h), `view ${h} in ${headers.join(', ')}`);
      await page.screenshot({ path: path.join(SHOTS, '01-views.png') });
      return `${POOL} and ${row.replace(/\s+/g, ' ')}`;
    });

    await check('a breached threshold turns the status bar and puts a problem on the rule\'s line', async () => {
      // The warning can show before the pool's 2 workers are up: wait for both.
      // Warning, or error when a built-in host rule is critical on a loaded machine (issue 13).
      const warned = page.locator('.part.statusbar .statusbar-item:is(.warning-kind, .error-kind)', { hasText: 'Chaperone: 2 workers · 30 queued' });
      await warned.first().waitFor({ timeout: 30_000 });
      const text = (await warned.first().innerText()).trim();
      assert.match(text, /Chaperone: 2 workers · 30 queued/);
      await runCommand(page, 'View: Focus Problems');
      const problem = page.locator('.markers-panel .monaco-list-row', { hasText: `${BACKLOG_QUEUE} depth 30` }).first();
      await problem.waitFor({ timeout: 30_000 });
      const line = readFileSync(path.join(ws, 'chaperone.json'), 'utf8').split('\n').findIndex((l) => l.includes(`"bullmq:${BACKLOG_QUEUE}"`)) + 1;
      const row = (await problem.innerText()).replace(/\s+/g, ' ');
      assert.match(row, new RegExp(`\\[Ln ${line}, Col \\d+\\]`), row);
      await page.screenshot({ path: path.join(SHOTS, '02-threshold.png') });
      return `status bar "${text}", problem "${row}"`;
    });

    await check('Find Job: a result as the user types, and the pick opens as a job document', async () => {
      await runCommand(page, 'Chaperone: Find Job…');
      const input = page.locator('.quick-input-widget input');
      await input.fill('report-17');
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'report-17' }).first();
      await row.waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(SHOTS, '07-find-job.png') });
      const text = (await row.innerText({ timeout: 5000 })).replace(/\s+/g, ' ');
      assert.match(text, new RegExp(`bullmq:${BACKLOG_QUEUE} · pending`), text);
      await page.keyboard.press('Enter');
      const tab = page.locator('.tabs-container .tab', { hasText: `bullmq:${BACKLOG_QUEUE} #` }).first();
      await tab.waitFor({ timeout: 30_000 });
      await page.locator('.monaco-editor .view-lines', { hasText: 'report-17' }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(SHOTS, '08-job-document.png') });
      const title = (await tab.innerText()).trim();
      await runCommand(page, 'View: Close Editor');
      return `row "${text}", document "${title}"`;
    });

    await check('in a narrow sidebar (170 px) a queue row still shows its numbers, and the row holds still', async () => {
      const sidebar = page.locator('.part.sidebar');
      const row = sidebar.locator('.monaco-list-row', { hasText: BACKLOG_QUEUE }).first();
      // The Chaperone container, unless it is open already (a second click would close it).
      if (!(await row.isVisible())) await page.locator('.part.activitybar [aria-label^="Chaperone"]').first().click();
      await row.waitFor({ timeout: 30_000 });
      // Drag the sash at the sidebar's right edge, as a user narrows it.
      const box = await sidebar.boundingBox();
      assert.ok(box, 'the sidebar is shown');
      const edge = box.x + box.width;
      await page.mouse.move(edge - 1, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + 170, box.y + box.height / 2, { steps: 8 });
      await page.mouse.up();
      const width = Math.round((await sidebar.boundingBox())?.width ?? 0);
      assert.ok(width <= 200, `the sidebar narrowed to ${width} px`);
      // The row's first figure (its pending count): every character of the number inside the row's
      // visible box, not cut by the ellipsis VS Code puts on what overflows.
      const seen = await row.evaluate((el) => {
        const clip = el.querySelector('.monaco-icon-label-container') ?? el;
        const walk = el.ownerDocument.createTreeWalker(clip, 4 /* NodeFilter.SHOW_TEXT */);
        let text = walk.nextNode();
        while (text && !/\d/.test(text.textContent ?? '')) text = walk.nextNode();
        const d = { textContent: clip.textContent };
        if (!text) return { ok: false, why: `no number in "${clip.textContent ?? ''}"` };
        const m = /\d[\d.,]*[kM]?/.exec(text.textContent ?? '');
        if (!m) return { ok: false, why: `no number in "${text.textContent ?? ''}"` };
        const r = el.ownerDocument.createRange();
        r.setStart(text, m.index);
        r.setEnd(text, m.index + m[0].length);
        const n = r.getBoundingClientRect();
        const c = clip.getBoundingClientRect();
        return { ok: n.width > 0 && n.left >= c.left - 0.5 && n.right <= c.right + 0.5, why: `"${m[0]}" at ${Math.round(n.left)}..${Math.round(n.right)} px, visible ${Math.round(c.left)}..${Math.round(c.right)} px`, description: d.textContent ?? '' };
      });
      assert.ok(seen.ok, seen.why);
      // Held still: the same row element a few refreshes later (it re-renders only when what it shows changes).
      const handle = await row.elementHandle();
      const before = await row.innerText();
      await page.waitForTimeout(3500);
      const same = handle ? await handle.evaluate((el) => el.isConnected) : false;
      await page.screenshot({ path: path.join(SHOTS, '09-narrow-sidebar.png') });
      const after = await row.innerText();
      // Back to a usable width for the checks after this one.
      const now = await sidebar.boundingBox();
      if (now) {
        await page.mouse.move(now.x + now.width - 1, now.y + now.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width, now.y + now.height / 2, { steps: 8 });
        await page.mouse.up();
      }
      assert.ok(same || before === after, `the row was replaced while it showed the same "${before}"`);
      return `${width} px: ${seen.why}; "${(seen.description ?? '').trim()}"`;
    });

    // The dashboard draws 15 minutes at 1-minute points: the reload must fall in a later minute than
    // the first engine's first points, or a chart drawn from the new host alone would look the same.
    const minute = (t: number) => Math.floor(t / 60_000) * 60_000;
    if (minute(Date.now()) === minute(firstFiguresAt)) await new Promise((r) => setTimeout(r, minute(firstFiguresAt) + 60_500 - Date.now()));
    const reloadedAt = Date.now();
    await check('Reload Window keeps the same workers: never 0, never doubled', () => reloadKeepsWorkers(page, redis, runCommand, userData));

    await check('an invalid edit while the pool runs says the previous configuration keeps running', () => invalidEditKeepsRunning(page, ws));

    await check('a drain from the palette drains the real pool', async () => {
      await runCommand(page, 'Chaperone: Drain Pool');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: POOL }).first().waitFor();
      await page.keyboard.press('Enter');
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 10_000 });
      const detail = (await dialog.innerText()).replace(/\s+/g, ' ');
      assert.match(detail, /2 worker\(s\) will finish their current job/);
      await page.screenshot({ path: path.join(SHOTS, '03-drain-confirm.png') });
      await dialog.locator('.monaco-button', { hasText: 'Drain' }).first().click();
      await page.locator('.notifications-toasts .notification-toast', { hasText: /drained|finished/ }).first().waitFor({ timeout: 30_000 });
      // What other editors and CLIs see through Redis: the pool stopped, no worker left.
      const seen = await new ControlClient(redis).supervisors();
      const pool = seen.flatMap((s) => s.snapshot?.pools ?? []).find((p) => p.name === POOL);
      assert.ok(pool, 'the supervisor publishes its pools');
      const deadline = Date.now() + 10_000;
      let state = pool.state;
      while (state !== 'stopped' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        state = (await new ControlClient(redis).supervisors()).flatMap((s) => s.snapshot?.pools ?? []).find((p) => p.name === POOL)?.state ?? state;
      }
      assert.equal(state, 'stopped');
      await page.locator('.part.sidebar .monaco-list-row', { hasText: POOL }).filter({ hasText: 'stopped' }).first().waitFor({ timeout: 10_000 });
      return `dialog: "${detail.slice(0, 160)}"; pool ${state} in Redis and in the view`;
    });

    await check('the drain is one audit line in the Chaperone channel', () => oneAuditLine(userData));

    await check('the dashboard draws its charts', async () => {
      await runCommand(page, 'Chaperone: Open Dashboard');
      const frame: FrameLocator = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await frame.locator('body[data-delta-at]').waitFor({ timeout: 30_000, state: 'attached' });
      const pixels = async (id: string): Promise<number> =>
        // Runs in the page: the canvas's pixels (typed structurally; this file has no DOM lib).
        frame.locator(`#${id}`).evaluate((c: { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
          return n;
        });
      const queues = await pixels('chart-queues');
      const wait = await pixels('chart-wait');
      const host = await pixels('chart-host');
      assert.ok(queues > 500 && wait > 500 && host > 500, `non-blank canvases (${queues}, ${wait}, ${host})`);
      const summary = await frame.locator('#summary').innerText();
      assert.match(summary, /queued/);
      // The window was reloaded since the queues were filled: the history store drew the past again.
      const first = Number(await frame.locator('body').getAttribute('data-first-point'));
      assert.ok(first < minute(reloadedAt), `the charts start ${Math.round((reloadedAt - first) / 1000)} s before the reload, in an earlier minute`);
      // A deploy mark from the palette is a line on every chart.
      await runCommand(page, 'Chaperone: Add Deploy Mark');
      const markInput = page.locator('.quick-input-widget input');
      await markInput.waitFor({ state: 'visible' });
      await markInput.fill('deploy 1.4.2');
      await page.keyboard.press('Enter');
      await page.locator('.notifications-toasts .notification-toast', { hasText: 'marked "deploy 1.4.2"' }).first().waitFor({ timeout: 15_000 });
      await frame.locator('body[data-marks="1"]').waitFor({ timeout: 15_000, state: 'attached' });
      const marks = await redis.zrange('chaperone:marks', '0', '-1');
      assert.equal(marks.length, 1, 'the mark is in Redis, for every other editor and CLI');
      await page.screenshot({ path: path.join(SHOTS, '04-dashboard.png') });
      return `queue chart ${queues} px, wait chart ${wait} px, host chart ${host} px; history from ${Math.round((reloadedAt - first) / 1000)} s before the reload; "${summary}"; mark "deploy 1.4.2" drawn`;
    });
  } finally {
    await backlog.close();
    redis.disconnect();
    await browser.close();
    await cs.stop();
  }
  // Its own code-server: Workspace Trust on, as a user has it.
  if (!only || only.test('untrusted')) try {
    results.push({ name: 'an untrusted workspace contacts no Redis its chaperone.json names', ok: true, detail: await untrustedContactsNothing(url, vsix) });
  } catch (err) {
    results.push({ name: 'an untrusted workspace contacts no Redis its chaperone.json names', ok: false, detail: err instanceof Error ? err.message : String(err) });
  }
  return results;
}

