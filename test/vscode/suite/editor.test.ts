// Chaperone inside a real VS Code (code-server's extension host): a real pool of BullMQ workers,
// real queues on the harness's own redis-servers, the real tree/command/diagnostic/webview APIs.
import * as assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import * as vscode from 'vscode';
import type { ChaperoneApi } from '../../../src/host/host-root';
import type { QueueNode } from '../../../src/host/views/queues-tree';
import type { WorkerNode } from '../../../src/host/views/workers-tree';
import { BACKLOG_QUEUE, BACKLOG_WARNING, POOL, POOL_QUEUE } from '../workspace';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { FIXTURES } from '../../helpers/paths';
import { runScript } from '../../helpers/run-script';
import { applyEdits, modify } from 'jsonc-parser';

const URL = process.env.CHAPERONE_TEST_REDIS_URL ?? '';
const PROD_URL = process.env.CHAPERONE_TEST_PROD_URL ?? '';
const AUTH_URL = process.env.CHAPERONE_TEST_AUTH_URL ?? '';
const AUTH_PASSWORD = process.env.CHAPERONE_TEST_AUTH_PASSWORD ?? '';

async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const connection = (url: string) => ({ url, maxRetriesPerRequest: null });

/** Sets a value in chaperone.json as a user's edit would (jsonc-parser keeps the rest), saves it and reloads. */
async function setConfig(api: ChaperoneApi, configUri: vscode.Uri, at: (string | number)[], value: unknown): Promise<void> {
  const cfg = await vscode.workspace.openTextDocument(configUri);
  const text = cfg.getText();
  const we = new vscode.WorkspaceEdit();
  we.replace(configUri, new vscode.Range(cfg.positionAt(0), cfg.positionAt(text.length)), applyEdits(text, modify(text, at, value, { formattingOptions: { insertSpaces: true, tabSize: 2 } })));
  assert.ok(await vscode.workspace.applyEdit(we));
  await cfg.save();
  await api.host.reload();
}

/**
 * A fixture of a real worker copied into the workspace under code/<dir>, as code that runs on a
 * server has a copy in the editor; pathMappings says where the server's paths are here.
 */
async function workspaceCopy(api: ChaperoneApi, configUri: vscode.Uri, dir: string, file: string): Promise<{ uri: vscode.Uri; lines: string[] }> {
  const uri = vscode.Uri.joinPath(configUri, '..', 'code', dir, file);
  await vscode.workspace.fs.copy(vscode.Uri.file(path.join(FIXTURES, dir, file)), uri, { overwrite: true });
  await setConfig(api, configUri, ['pathMappings', path.join(FIXTURES, dir)], `./code/${dir}`);
  return { uri, lines: (await vscode.workspace.openTextDocument(uri)).getText().split('\n') };
}

/** The code lens of a file whose title starts so, once there is one. */
async function lensOf(uri: vscode.Uri, prefix: string): Promise<vscode.CodeLens> {
  return waitFor(`the lens "${prefix}…"`, async () => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).find((l) => l.command?.title.startsWith(prefix)));
}

describe('Chaperone in a real VS Code', function () {
  this.timeout(90_000);
  let api: ChaperoneApi;
  let configUri: vscode.Uri;
  const backlog = new Queue(BACKLOG_QUEUE, { connection: connection(URL) });
  const mail = new Queue(POOL_QUEUE, { connection: connection(URL) });

  before(async () => {
    assert.ok(URL && PROD_URL, 'the runner passes the test Redis URLs');
    const ext = vscode.extensions.getExtension<ChaperoneApi>('chaperone.chaperone');
    assert.ok(ext, 'the extension is loaded from the development path');
    api = await ext.activate();
    configUri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('/'), 'chaperone.json');
    // The views sample at 1 Hz only while visible: show the container, as a user would.
    await vscode.commands.executeCommand('workbench.view.extension.chaperone');
  });

  after(async () => {
    await backlog.close();
    await mail.close();
  });

  it('activates from chaperone.json and supervises its pool: supervisor -> pool -> running workers', async () => {
    assert.ok(api.activation.ms > 0);
    await waitFor('2 running workers', () => api.host.engine?.snapshot().pools[0]?.workers.filter((w) => w.state === 'running').length === 2);
    // Every connection answers (an empty one is not an error): no error rows in the Queues view.
    await waitFor('no connection errors', () => api.host.engine?.lastSignals() && api.host.engine.queueErrors().length === 0, 10_000).catch(() => {
      throw new Error(`connection errors: ${api.host.engine?.queueErrors().join('; ')}`);
    });
    const [sup] = api.workers.getChildren() as WorkerNode[];
    assert.equal(sup.kind, 'supervisor');
    assert.match(String(api.workers.getTreeItem(sup).label), /^This editor/);
    const [pool] = api.workers.getChildren(sup) as WorkerNode[];
    const poolItem = api.workers.getTreeItem(pool);
    assert.equal(poolItem.label, POOL);
    assert.equal(poolItem.contextValue, 'pool.own.running');
    assert.match(String(poolItem.description), /^\d\/2 running/, 'the counts first: a narrow sidebar cuts the end');
    // CPU and memory: unknown until the supervisor has sampled the running workers, never "0B".
    assert.match(String(poolItem.description), /^\d\/2 running · (cpu, memory unknown|cpu ≥?\d+% · ≥?[\d.]+(KiB|MiB|GiB)) · /, String(poolItem.description));
    await waitFor('both workers sampled', () => api.host.engine?.snapshot().pools[0]?.workers.every((x) => x.state === 'running' && x.memoryBytes !== null && x.memoryBytes > 0));
    const sampled = api.workers.getTreeItem((api.workers.getChildren(sup) as WorkerNode[])[0]);
    assert.match(String(sampled.description), /^2\/2 running · cpu \d+% · [\d.]+(KiB|MiB|GiB) · /, String(sampled.description));
    assert.equal(poolItem.id, `pool:${api.host.engine?.id}/${POOL}`, 'stable ids');
    const workers = api.workers.getChildren(pool) as WorkerNode[];
    assert.equal(workers.length, 2);
    const w = api.workers.getTreeItem(workers[0]);
    assert.match(String(w.description), /^running · pid \d+/);
    assert.equal(w.contextValue, 'worker.own');
    assert.ok(w.tooltip instanceof vscode.MarkdownString);
  });

  it('Queues view: connection -> system -> queue with counts and trend; states list jobs, paged', async () => {
    await backlog.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: `report-${i}`, data: { i } })));
    await waitFor('30 pending on ui-backlog', () => api.host.engine?.lastSignals()?.queues.find((q) => q.id === `bullmq:${BACKLOG_QUEUE}` && q.pending === 30));
    const roots = (await api.queues.getChildren()) as QueueNode[];
    assert.deepEqual(roots.map((r) => r.id), ['conn:default', 'conn:prod']);
    const prod = api.queues.getTreeItem(roots[1]);
    assert.equal(prod.contextValue, 'connection.ro');
    assert.match(String(prod.description), /read-only/);
    const [system] = (await api.queues.getChildren(roots[0])) as QueueNode[];
    assert.equal(api.queues.getTreeItem(system).label, 'bullmq');
    // The system row is the sum of its queue rows, at the same tick.
    const rows = ((await api.queues.getChildren(system)) as QueueNode[]).filter((n): n is Extract<QueueNode, { kind: 'queue' }> => n.kind === 'queue');
    const sum = rows.reduce((n, r) => n + r.signal.pending, 0);
    assert.match(String(api.queues.getTreeItem(system).description), new RegExp(`^${sum} pending · ${rows.length} queues?`));
    const queue = ((await api.queues.getChildren(system)) as QueueNode[]).find((n) => n.kind === 'queue' && n.ref.id === `bullmq:${BACKLOG_QUEUE}`);
    assert.ok(queue);
    const item = api.queues.getTreeItem(queue);
    assert.equal(item.label, `30 ${BACKLOG_QUEUE}`, 'the count first: a narrow sidebar cuts the end');
    assert.match(String(item.description), /^pending [↗↘→]/);
    assert.match(String(item.contextValue), /^queue;rw;running;.*cap:pause/);
    const states = (await api.queues.getChildren(queue)) as QueueNode[];
    const pending = states.find((s) => s.kind === 'state' && s.state === 'pending');
    assert.ok(pending);
    assert.equal(api.queues.getTreeItem(pending).description, '30');
    const page1 = (await api.queues.getChildren(pending)) as QueueNode[];
    assert.equal(page1.filter((n) => n.kind === 'job').length, 25);
    const more = page1.find((n) => n.kind === 'more');
    assert.ok(more, 'a "Load more" item after a full page');
    await vscode.commands.executeCommand('chaperone.loadMoreJobs', more);
    const page2 = (await api.queues.getChildren(pending)) as QueueNode[];
    assert.equal(page2.filter((n) => n.kind === 'job').length, 30);
    assert.ok(!page2.some((n) => n.kind === 'more'));
  });

  it('a breached threshold turns the status bar and puts a diagnostic on the rule\'s line, with quick fixes', async () => {
    await waitFor('the depth finding', () => api.host.engine?.findings().find((f) => f.key === `queue:default/bullmq:${BACKLOG_QUEUE}:depth`));
    await waitFor('the status bar update', () => (api.statusBar.item.backgroundColor as unknown as { id: string } | undefined)?.id === 'statusBarItem.warningBackground');
    const queued = api.host.engine?.lastSignals()?.queues.reduce((n, q) => n + q.pending, 0);
    assert.match(api.statusBar.item.text, new RegExp(`^\\$\\(warning\\) Chaperone: 2 workers · ${queued} queued$`));
    assert.match(String((api.statusBar.item.tooltip as vscode.MarkdownString).value), /ui-backlog/);
    const text = (await vscode.workspace.openTextDocument(configUri)).getText();
    const ruleLine = text.split('\n').findIndex((l) => l.includes(`"bullmq:${BACKLOG_QUEUE}"`));
    const diag = await waitFor('the diagnostic', () => vscode.languages.getDiagnostics(configUri).find((d) => d.message.includes(BACKLOG_QUEUE)));
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(diag.source, 'chaperone');
    assert.equal(diag.range.start.line, ruleLine, 'on the line of the rule');
    // ui-backlog has no consumer: the built-in zeroConsumers rule. Information on the "thresholds"
    // key (never line 1), and it does not turn the status bar on its own.
    const thresholdsLine = text.split('\n').findIndex((l) => l.includes('"thresholds"'));
    const builtIn = await waitFor('the built-in finding', () => vscode.languages.getDiagnostics(configUri).find((d) => d.message.includes('no consumer')));
    assert.equal(builtIn.severity, vscode.DiagnosticSeverity.Information);
    assert.equal(builtIn.range.start.line, thresholdsLine);
    assert.match(builtIn.message, /built-in rule/);
    assert.ok(!vscode.languages.getDiagnostics(configUri).some((d) => d.source === 'chaperone' && d.range.start.line === 0), 'no finding at line 1');
    // As the light bulb asks: the quick fixes at the diagnostic's range (resolved, so edits are present).
    // The first request right after the document opens can come back empty (the workbench drops it
    // while the JSON language server attaches); the light bulb asks again, and so do we.
    const actions = await waitFor('the quick fixes', async () => {
      const list = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', configUri, diag.range, vscode.CodeActionKind.QuickFix.value, 10);
      return list.length ? list : undefined;
    }, 10_000);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Open the Chaperone dashboard'), titles.join(', '));
    const raise = actions.find((a) => a.title.startsWith('Raise the warning threshold to'));
    assert.ok(raise?.edit, titles.join(', '));
    assert.equal(raise.title, 'Raise the warning threshold to 50', 'a round number above 30 × 1.25');
    const doc = await vscode.workspace.openTextDocument(configUri);
    assert.ok(await vscode.workspace.applyEdit(raise.edit), 'the edit applies');
    assert.match(doc.lineAt(ruleLine).text, /"warning": 50,/);
    assert.ok(!doc.getText().includes(`"warning": ${BACKLOG_WARNING},`), 'the old level is gone');
    // Revert acts on the active editor, which can still be changing right after showTextDocument
    // (on a loaded machine, for longer than a test waits): then the text is put back and saved as it was.
    const reverted = await waitFor('the edit reverted', async () => {
      if (doc.getText() === text) return true;
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      return doc.getText() === text;
    }, 5_000).catch(() => false);
    if (!reverted) {
      const we = new vscode.WorkspaceEdit();
      we.replace(configUri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
      assert.ok(await vscode.workspace.applyEdit(we));
      assert.ok(await doc.save());
    }
    assert.equal(doc.getText(), text);
  });

  it('a config error becomes an error diagnostic on its range, from the unsaved text', async () => {
    const doc = await vscode.workspace.openTextDocument(configUri);
    assert.equal(doc.languageId, 'jsonc', 'chaperone.json opens as JSON with comments');
    const text = doc.getText();
    const at = text.indexOf('"min": 1');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(configUri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 8)), '"min": "one"');
    await vscode.workspace.applyEdit(edit);
    const diag = await waitFor('the config diagnostic', () => vscode.languages.getDiagnostics(configUri).find((d) => d.code === 'config'));
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diag.range.start.line, doc.positionAt(at).line);
    assert.match(diag.message, /min/);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor('the problem cleared', () => !vscode.languages.getDiagnostics(configUri).some((d) => d.code === 'config'));
    assert.ok(api.host.engine, 'the running engine was left alone');
  });

  it('pause / resume and cancel act on the real queue through the commands', async () => {
    const paused = await vscode.commands.executeCommand<{ ok: boolean }>('chaperone.pauseQueue', { queue: `bullmq:${BACKLOG_QUEUE}` });
    assert.equal(paused?.ok, true, api.lastError.message);
    assert.equal(await backlog.isPaused(), true);
    await vscode.commands.executeCommand('chaperone.resumeQueue', { queue: `bullmq:${BACKLOG_QUEUE}` });
    assert.equal(await backlog.isPaused(), false);
    const [job] = await backlog.getWaiting(0, 0);
    const r = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.cancelJob', { queue: `bullmq:${BACKLOG_QUEUE}`, jobId: job.id });
    assert.equal(r?.ok, true, api.lastError.message);
    assert.equal(await backlog.getJob(String(job.id)), undefined);
    const gone = await vscode.commands.executeCommand('chaperone.cancelJob', { queue: `bullmq:${BACKLOG_QUEUE}`, jobId: 'no-such-job' });
    assert.equal(gone, undefined);
    assert.match(api.lastError.message ?? '', /no-such-job|not found|no job/i, 'a clear error, not a stack');
  });

  it('a read-only profile refuses writes and says so', async () => {
    const prodQueue = new Queue('ro-reports', { connection: connection(PROD_URL) });
    try {
      await waitFor('the prod queue', () => api.host.engine?.lastSignals()?.queues.find((q) => q.connection === 'prod' && q.id === 'bullmq:ro-reports'));
      const r = await vscode.commands.executeCommand('chaperone.pauseQueue', { queue: 'bullmq:ro-reports', connection: 'prod' });
      assert.equal(r, undefined);
      assert.match(api.lastError.message ?? '', /read-only/);
      assert.equal(await prodQueue.isPaused(), false);
    } finally {
      await prodQueue.close();
    }
  });

  it('scale, rolling restart and logs of the real pool', async () => {
    const scaled = await vscode.commands.executeCommand<{ ok: boolean }>('chaperone.scalePool', { pool: POOL, count: 3 });
    assert.equal(scaled?.ok, true, api.lastError.message);
    await waitFor('3 running workers', () => api.host.engine?.snapshot().pools[0].workers.filter((w) => w.state === 'running').length === 3);
    const before = new Set(api.host.engine?.snapshot().pools[0].workers.map((w) => w.pid));
    const restarted = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.restartPool', { pool: POOL });
    assert.match(restarted?.message ?? '', /replaced 3/);
    const after = api.host.engine?.snapshot().pools[0].workers.filter((w) => w.state === 'running') ?? [];
    assert.equal(after.length, 3);
    assert.ok(after.every((w) => !before.has(w.pid)), 'every worker is a new process');
    // A new worker is running once spawned; its "ready" line comes when bullmq has connected (later on a busy machine).
    const logs = await waitFor('each new worker printed "ready"', async () => {
      const l = await vscode.commands.executeCommand<{ channel: string; lines: number; following: boolean }>('chaperone.showLogs', { pool: POOL });
      return (l?.lines ?? 0) >= 3 ? l : undefined;
    }, 30_000);
    assert.equal(logs.channel, `Chaperone: ${POOL}`);
    assert.equal(logs?.following, true);
  });

  it('a pool\'s "watch": a saved workspace file restarts the real pool rolling; a deploy mark from the command is in Redis', async () => {
    // A changed pool starts afresh at its initial count: the count of before is restored at the end.
    const countBefore = api.host.engine?.snapshot().pools[0].desired ?? 2;
    await setConfig(api, configUri, ['pools', POOL, 'watch'], { paths: ['src/**/*.js'], debounce: '300ms' });
    const running = () => api.host.engine?.snapshot().pools.find((p) => p.name === POOL)?.workers.filter((w) => w.state === 'running') ?? [];
    const n = (await waitFor('the pool running after the reload', () => (running().length >= 2 ? running() : undefined))).length;
    await new Promise((r) => setTimeout(r, 1000)); // the watcher is ready
    const before = new Set(running().map((w) => w.pid));
    const root = vscode.workspace.workspaceFolders?.[0]?.uri ?? assert.fail('a workspace folder');
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'src', 'handler.js'), Buffer.from(`// saved ${Date.now()}\n`));
    await waitFor('every worker replaced', () => running().length === n && running().every((w) => !before.has(w.pid)), 60_000);
    await setConfig(api, configUri, ['pools', POOL, 'watch'], undefined);
    await vscode.commands.executeCommand('chaperone.scalePool', { pool: POOL, count: countBefore });
    await waitFor(`${countBefore} running again after the reload`, () => running().length === countBefore, 30_000)
      .catch((err: unknown) => assert.fail(`${String(err)}: ${JSON.stringify(api.host.engine?.snapshot().pools[0])}`));
    const mark = await vscode.commands.executeCommand<{ text: string; at: number }>('chaperone.addMark', 'deploy 1.4.2');
    assert.equal(mark?.text, 'deploy 1.4.2', api.lastError.message);
    assert.ok(api.host.engine?.marks().some((m) => m.text === 'deploy 1.4.2'));
    const redis = new Redis(URL);
    try {
      assert.ok((await redis.zrange('chaperone:marks', '0', '-1')).some((m) => m.includes('deploy 1.4.2')), 'the mark is in Redis, for every other editor and CLI');
    } finally {
      redis.disconnect();
    }
  });

  it('clicking a failed job opens it as a read-only document with its whole trace; Refresh reads it again', async () => {
    const failing = await mail.add('mail', { fail: true, to: 'ann@example.com' });
    const id = failing.id ?? '';
    await waitFor('the real worker failed the job', async () => ((await mail.getJobState(id)) === 'failed' ? true : undefined));
    const roots = (await api.queues.getChildren()) as QueueNode[];
    const [system] = (await api.queues.getChildren(roots[0])) as QueueNode[];
    const queue = ((await api.queues.getChildren(system)) as QueueNode[]).find((n) => n.kind === 'queue' && n.ref.id === `bullmq:${POOL_QUEUE}`);
    assert.ok(queue, 'the pool\'s queue in the view');
    const failed = ((await api.queues.getChildren(queue)) as QueueNode[]).find((n) => n.kind === 'state' && n.state === 'failed');
    assert.ok(failed);
    const row = ((await api.queues.getChildren(failed)) as QueueNode[]).find((n) => n.kind === 'job' && n.job.id === id);
    assert.ok(row, 'the failed job is listed');
    const item = api.queues.getTreeItem(row);
    assert.equal(item.command?.command, 'chaperone.openJob', 'a click opens the job');
    const opened = await vscode.commands.executeCommand<{ uri: string }>(item.command.command, ...(item.command.arguments ?? []));
    assert.ok(opened, api.lastError.message);
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc && doc.uri.scheme === 'chaperone-job', 'the job document is the active editor');
    assert.match(doc.uri.path, new RegExp(`bullmq:${POOL_QUEUE} #${id}$`), 'its title names the job');
    const text = doc.getText();
    assert.match(text, /state\s+failed/);
    assert.match(text, /error:\n {2}Error: simulated failure/);
    assert.match(text, /stack:\n {2}Error: simulated failure\n\s+at /, 'the whole trace, as text');
    assert.match(text, /"to": "ann@example.com"/, 'the payload pretty-printed');
    // Refresh reads the job again: removed meanwhile, the document says so.
    await failing.remove();
    const changed = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === doc.uri.toString()) {
          sub.dispose();
          resolve();
        }
      });
    });
    await vscode.commands.executeCommand('chaperone.refreshJob', doc.uri);
    await changed;
    assert.match(doc.getText(), /not found \(finished or removed\?\)/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Find Job finds a failed job by a payload substring and opens it; Retry from its document retries it on the real queue; a state filter lists only matches', async () => {
    const failing = await mail.add('mail', { fail: true, to: 'find-me-8842@example.com' });
    const id = failing.id ?? '';
    await waitFor('the real worker failed the job', async () => ((await mail.getJobState(id)) === 'failed' ? true : undefined));
    await waitFor('the failure counted at a tick', () => (api.host.engine?.lastSignals()?.queues.find((q) => q.id === `bullmq:${POOL_QUEUE}`)?.failed ?? 0) > 0);
    const r = await vscode.commands.executeCommand<{ found: { queue: string; id: string; state?: string }[] }>('chaperone.findJob', { text: 'FIND-ME-8842' });
    assert.deepEqual(r?.found, [{ queue: `bullmq:${POOL_QUEUE}`, connection: 'default', id, state: 'failed' }], api.lastError.message);
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc && doc.uri.scheme === 'chaperone-job' && doc.uri.path.endsWith(`#${id}`), 'the match is opened');
    await waitFor('the document read', () => /state\s+failed/.test(doc.getText()));
    // The title bar's Retry acts on the document's job.
    const before = (await mail.getJob(id))?.attemptsMade ?? 0;
    const retried = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.retryFailed', doc.uri);
    assert.equal(retried?.ok, true, api.lastError.message);
    await waitFor('the real worker ran it again', async () => ((await mail.getJob(id))?.attemptsMade ?? 0) > before && (await mail.getJobState(id)) === 'failed');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // The failed state, filtered: only the matching job.
    const roots = (await api.queues.getChildren()) as QueueNode[];
    const [system] = (await api.queues.getChildren(roots[0])) as QueueNode[];
    const queue = ((await api.queues.getChildren(system)) as QueueNode[]).find((n) => n.kind === 'queue' && n.ref.id === `bullmq:${POOL_QUEUE}`);
    assert.ok(queue);
    const failed = ((await api.queues.getChildren(queue)) as QueueNode[]).find((n) => n.kind === 'state' && n.state === 'failed');
    assert.ok(failed && failed.kind === 'state');
    await vscode.commands.executeCommand('chaperone.filterJobs', failed, 'find-me-8842');
    assert.match(String(api.queues.getTreeItem(failed).description), /filter: find-me-8842/);
    assert.match(String(api.queues.getTreeItem(failed).contextValue), /;filtered/);
    const rows = (await api.queues.getChildren(failed)) as QueueNode[];
    assert.deepEqual(rows.map((n) => (n.kind === 'job' ? n.job.id : n.kind)), [id]);
    await vscode.commands.executeCommand('chaperone.filterJobs', failed, 'nothing-holds-this-77');
    const none = (await api.queues.getChildren(failed)) as QueueNode[];
    assert.equal(none.length, 1);
    assert.match(none[0].kind === 'message' ? none[0].text : '', /no job holds "nothing-holds-this-77"/);
    await vscode.commands.executeCommand('chaperone.clearJobFilter', failed);
    assert.ok(((await api.queues.getChildren(failed)) as QueueNode[]).some((n) => n.kind === 'job' && n.job.id === id));
    // Delete (confirmed): the failed job is gone from the real queue.
    const deleted = await vscode.commands.executeCommand<{ ok: boolean }>('chaperone.deleteFailedJob', { queue: `bullmq:${POOL_QUEUE}`, jobId: id, yes: true });
    assert.equal(deleted?.ok, true, api.lastError.message);
    assert.equal(await mail.getJob(id), undefined);
  });

  it('Workers view: a worker the queue system registers but no pool of this editor runs is listed once, apart; the pool\'s own are not listed twice', async () => {
    const outsider = spawn(process.execPath, [path.join(FIXTURES, 'workers', 'bullmq-worker.js')], { env: { ...process.env, REDIS_URL: URL, QUEUE: POOL_QUEUE }, stdio: 'ignore' });
    try {
      const registry = await waitFor('the registry node', async () => ((await api.workers.getChildren()) as WorkerNode[]).find((n) => n.kind === 'registry'), 40_000);
      const rows = (await api.workers.getChildren(registry)) as WorkerNode[];
      assert.equal(rows.length, 1, `one outsider, not the pool's ${api.host.engine?.snapshot().pools[0].workers.length} workers too: ${rows.map((r) => r.id).join(', ')}`);
      const item = api.workers.getTreeItem(rows[0]);
      assert.match(String(item.description), /^bullmq · idle/);
      assert.match(String(api.workers.getTreeItem(registry).description), /^1 worker not supervised here/);
    } finally {
      outsider.kill('SIGKILL');
    }
  });

  it('the CLI\'s queue actions from the editor: trends, purge and clean act on the real queue and say what they did; a system without a way says so', async () => {
    const admin = new Queue('vs-admin', { connection: connection(URL) });
    try {
      await admin.addBulk([1, 2, 3].map((i) => ({ name: 'x', data: { i } })));
      await waitFor('the queue at a tick', () => api.host.engine?.lastSignals()?.queues.find((q) => q.id === 'bullmq:vs-admin' && q.pending === 3));
      const trends = await vscode.commands.executeCommand<{ queue: string; direction: string; lines: number }>('chaperone.showTrends', { queue: 'bullmq:vs-admin' });
      assert.equal(trends?.queue, 'bullmq:vs-admin', api.lastError.message);
      assert.match(vscode.window.activeTextEditor?.document.getText() ?? '', /^# bullmq:vs-admin\n\n- direction: \*\*\w+\*\*/);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      const purged = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.purgeQueue', { queue: 'bullmq:vs-admin', yes: true });
      assert.equal(purged?.ok, true, api.lastError.message);
      assert.match(purged?.message ?? '', /deleted 3 pending job/);
      assert.equal(await admin.getWaitingCount(), 0);
      const cleaned = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.cleanQueue', { queue: 'bullmq:vs-admin', yes: true, state: 'completed', olderThan: '1h' });
      assert.match(cleaned?.message ?? '', /removed 0 completed/, api.lastError.message);
      const none = await vscode.commands.executeCommand('chaperone.restartSystemWorkers', { system: 'bullmq', yes: true });
      assert.equal(none, undefined);
      assert.match(api.lastError.message ?? '', /bullmq has no way to restart its workers remotely/);
    } finally {
      await admin.obliterate({ force: true }).catch(() => undefined);
      await admin.close();
    }
  });

  it('drain from the command drains the real pool after its jobs in flight, and start brings it back', async () => {
    await mail.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'mail', data: { i } })));
    const r = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.drainPool', { pool: POOL, yes: true });
    assert.equal(r?.ok, true, api.lastError.message);
    const snap = api.host.engine?.snapshot().pools[0];
    assert.equal(snap?.state, 'stopped');
    assert.equal(snap?.workers.filter((w) => w.state !== 'stopped').length, 0);
    const counts = await mail.getJobCounts('active');
    assert.equal(counts.active, 0, 'no job left half-done');
    await vscode.commands.executeCommand('chaperone.startPool', { pool: POOL });
    await waitFor('running again', () => api.host.engine?.snapshot().pools[0].workers.filter((w) => w.state === 'running').length === 3)
      .catch((err: unknown) => assert.fail(`${String(err)}: ${JSON.stringify(api.host.engine?.snapshot().pools[0])}`));
  });

  it('Debug a Worker of Pool: a Node debug worker reads a queue of its own; a failed job replayed into it stops at a breakpoint in the job handler; ending the session stops it', async () => {
    // A failed job of the pool's queue, failed by the pool's own workers (which keep running throughout).
    const [failing] = await mail.addBulk([{ name: 'debug-me', data: { fail: 'fails until debugged' }, opts: { attempts: 1 } }]);
    await waitFor('the pool failed it', async () => (await mail.getJobState(failing.id ?? '')) === 'failed');
    const stops: string[] = [];
    let stoppedIn: { session: vscode.DebugSession; threadId: number } | undefined;
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: { reason?: string; threadId?: number } }) => {
          if (m.type !== 'event' || m.event !== 'stopped') return;
          stops.push(m.body?.reason ?? '?');
          if (m.body?.reason === 'breakpoint' && m.body.threadId !== undefined) stoppedIn ??= { session, threadId: m.body.threadId };
        },
      }),
    });
    const file = path.join(FIXTURES, 'workers', 'bullmq-worker.js');
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('await log.rpush(`test:${queue}:processed`'));
    assert.ok(line > 0);
    const bp = new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(file), new vscode.Position(line, 0)));
    vscode.debug.addBreakpoints([bp]);
    const debugQueue = new Queue(`${POOL_QUEUE}.debug`, { connection: connection(URL) });
    const desired = api.host.engine?.snapshot().pools[0].desired ?? assert.fail('the pool');
    let feed: NodeJS.Timeout | undefined;
    try {
      const r = await vscode.commands.executeCommand<{ id: string; runtime: string; pid?: number; queues: unknown }>('chaperone.debugWorker', { pool: POOL });
      assert.equal(r?.runtime, 'node', api.lastError.message);
      // The pool's env names its queue (QUEUE): the debug worker reads its own copy of it.
      assert.deepEqual(r?.queues, [{ from: `bullmq:${POOL_QUEUE}`, to: `bullmq:${POOL_QUEUE}.debug` }]);
      const debugRow = () => api.host.engine?.snapshot().pools[0].workers.find((w) => w.debug);
      assert.equal(debugRow()?.id, r?.id);
      assert.equal(api.host.engine?.snapshot().pools[0].desired, desired, 'the debug worker is not one of the pool\'s count');
      // Replayed into the debug worker's queue (the confirmation is the caller's "yes"): only it runs
      // the copy. The debugger sets its breakpoints a moment after it attaches: a replay every 2 s until one stops there.
      const replay = () => vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.replayJob', { queue: `bullmq:${POOL_QUEUE}`, jobId: failing.id, to: 'debug', yes: true });
      const first = await replay();
      assert.match(first?.message ?? '', new RegExp(`^replayed failed job ${failing.id} of bullmq:${POOL_QUEUE} as job \\S+ on bullmq:${POOL_QUEUE}\\.debug \\(the failed one stays\\)$`), api.lastError.message);
      feed = setInterval(() => void replay(), 2000);
      const paused = () => stoppedIn !== undefined;
      await waitFor('the debug worker stopped at the breakpoint', paused, 60_000).catch(async (err: unknown) => {
        const w = api.host.engine?.supervisor.pools.get(POOL)?.debugWorkers[0];
        const s = vscode.debug.activeDebugSession;
        const counts = await debugQueue.getJobCounts();
        assert.fail(`${String(err)}; stops ${JSON.stringify(stops)}; session ${s ? `${s.type} ${s.name}` : 'none'}; worker ${w?.state} pid ${w?.pid}: ${JSON.stringify(w?.logs.tail().map((l) => l.text))}; debug queue ${JSON.stringify(counts)}; breakpoints ${vscode.debug.breakpoints.length}`);
      });
      clearInterval(feed);
      // Where it stopped, as the debugger itself says: the handler's line of the fixture, on a copy from the debug queue.
      const at = stoppedIn ?? assert.fail('stopped');
      const trace = (await at.session.customRequest('stackTrace', { threadId: at.threadId, startFrame: 0, levels: 1 })) as { stackFrames: { line: number; source?: { path?: string } }[] };
      assert.equal(trace.stackFrames[0]?.line, line + 1, JSON.stringify(trace.stackFrames[0]));
      // code-server names it by its remote URI (vscode-remote://host/path): the same file.
      const where = trace.stackFrames[0]?.source?.path ?? '';
      assert.ok(where === file || vscode.Uri.parse(where).path === file, where);
      assert.equal((await debugQueue.getActive()).length, 1, 'the job it stopped in is the debug queue\'s');
      assert.equal(await mail.getJobState(failing.id ?? ''), 'failed', 'the failed one stays');
      await vscode.debug.stopDebugging();
      await waitFor('the debug worker stopped with its session', () => !debugRow(), 30_000);
    } finally {
      clearInterval(feed);
      vscode.debug.removeBreakpoints([bp]);
      tracker.dispose();
      await debugQueue.obliterate({ force: true }).catch(() => undefined);
      await debugQueue.close();
      await (await mail.getJob(failing.id ?? ''))?.remove();
    }
    // Without a debug worker, a replay into one says what is missing.
    const none = await vscode.commands.executeCommand('chaperone.replayJob', { queue: `bullmq:${POOL_QUEUE}`, jobId: 'x', to: 'debug', yes: true });
    assert.equal(none, undefined);
    assert.match(api.lastError.message ?? '', /No debug worker reads a queue of its own for bullmq:ui-mail/);
    await waitFor('the pool still runs its own', () => api.host.engine?.snapshot().pools[0].workers.filter((w) => w.state === 'running' && !w.debug).length === desired);
  });

  it('a code lens above a BullMQ processor counts the real runs and failures of the last hour', async () => {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri ?? assert.fail('a workspace folder');
    const uri = vscode.Uri.joinPath(root, 'src', 'mail-worker.js');
    await vscode.workspace.fs.writeFile(uri, Buffer.from(`const { Worker } = require('bullmq');\n\nnew Worker('${POOL_QUEUE}', async (job) => job.data);\n`));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const title = async (): Promise<string | undefined> => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [])
      .map((l) => l.command?.title ?? '').find((t) => t.startsWith(`bullmq:${POOL_QUEUE} `));
    const nums = (t: string | undefined) => {
      const m = /(?:≥)?([\d,]+) runs, (?:≥)?([\d,]+) failed in the last hour · p50 /.exec(t ?? '');
      return m ? { runs: Number(m[1].replace(/,/g, '')), failed: Number(m[2].replace(/,/g, '')) } : undefined;
    };
    const lensLine = await waitFor('a lens with figures on the processor\'s line', async () => {
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
      return lenses.find((l) => nums(l.command?.title))?.range.start.line;
    });
    assert.equal(lensLine, 2);
    const before = nums(await title()) ?? assert.fail('figures');
    await mail.addBulk([
      ...Array.from({ length: 5 }, (_, i) => ({ name: 'lens-ok', data: { i } })),
      ...Array.from({ length: 2 }, (_, i) => ({ name: 'lens-fail', data: { i, fail: 'lens failure' }, opts: { attempts: 1 } })),
    ]);
    // The pool's real workers run them; the lens counts what BullMQ's own events say finished.
    const after = await waitFor('the lens counts the 7 runs and 2 failures', async () => {
      const n = nums(await title());
      return n && n.runs - before.runs >= 7 && n.failed - before.failed >= 2 ? n : undefined;
    }, 30_000).catch((err: unknown) => assert.fail(`${String(err)}: ${JSON.stringify(before)} then "${api.host.engine?.lastSignals()?.queues.find((q) => q.id === `bullmq:${POOL_QUEUE}`)?.lastHour.runs.value}"`));
    await new Promise((r) => setTimeout(r, 2500)); // nothing else runs on that queue: the figures hold
    const settled = nums(await title()) ?? assert.fail('figures');
    assert.deepEqual([settled.runs - before.runs, settled.failed - before.failed], [7, 2], `${JSON.stringify(before)} -> ${JSON.stringify(after)} -> ${JSON.stringify(settled)}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // Its failures would be a failure group of their own in the tests that follow.
    for (const j of await mail.getFailed()) if (j.name === 'lens-fail') await j.remove();
  });

  it('dashboard: ready handshake, a snapshot, then 1 Hz deltas; messages outside the protocol are dropped', async () => {
    await vscode.commands.executeCommand('chaperone.openDashboard');
    await waitFor('the ready message', () => api.dashboard.received.ready >= 1);
    await waitFor('the first paint', () => api.dashboard.received.painted.length >= 1);
    const deltas = api.dashboard.stats.deltas;
    await waitFor('two deltas', () => api.dashboard.stats.deltas >= deltas + 2, 15_000);
    const rejected = api.dashboard.received.rejected;
    api.dashboard.simulateMessage({ type: 'request', id: 1, method: 'action', action: 'rm -rf' });
    api.dashboard.simulateMessage({ type: 'ready', extra: 1 });
    api.dashboard.simulateMessage('ready');
    assert.equal(api.dashboard.received.rejected, rejected + 3);
  });

  it('the dashboard\'s history is saved and read back by the next engine (a restart here; Reload Window in the UI checks)', async () => {
    const series = `queue:default/bullmq:${BACKLOG_QUEUE}:depth`;
    const engine = api.host.engine;
    assert.ok(engine);
    // The last 5 minutes at 1 s (the history store keeps them at the 1 min the dashboard draws).
    const since = Date.now() - 5 * 60_000;
    const before = engine.history(series, since, Date.now(), 600)?.points ?? [];
    assert.ok(before.length >= 5, `${before.length} points of depth history`);
    const firstT = before[0].t;
    // Saved as deactivate saves it; then a new engine (the pools restart: the next host of a reload takes them over instead).
    await api.history.save(engine);
    const restartedAt = Date.now();
    await api.host.reload();
    const next = await waitFor('the next engine', () => api.host.engine !== engine && api.host.engine);
    await waitFor('2 running workers again', () => next.snapshot().pools[0]?.workers.filter((w) => w.state === 'running').length === 2);
    const after = await waitFor('the history read back', () => {
      const pts = next.history(series, since, Date.now(), 600)?.points ?? [];
      return pts.length && pts[0].t <= firstT + 10_000 ? pts : undefined;
    }, 20_000);
    assert.ok(after[0].t < restartedAt - 5_000, `points from before the restart (${restartedAt - after[0].t} ms before)`);
  });

  it('a failure group is a diagnostic on the line of the workspace file that failed (BullMQ, and RQ on a second connection), with quick fixes; the job document links there; it clears when the group is gone', async () => {
    // The pool's workers run the fixture, as code runs on a server; the workspace holds a copy of it
    // under code/, and pathMappings says where the server's paths are here.
    const folder = vscode.Uri.joinPath(configUri, '..');
    const source = vscode.Uri.joinPath(folder, 'code', 'bullmq-worker.js');
    await vscode.workspace.fs.copy(vscode.Uri.file(path.join(FIXTURES, 'workers', 'bullmq-worker.js')), source, { overwrite: true });
    await setConfig(api, configUri, ['pathMappings'], { [path.join(FIXTURES, 'workers')]: './code' });
    const line = (await vscode.workspace.openTextDocument(source)).getText().split('\n').findIndex((l) => l.includes('const fail = () => new'));
    assert.ok(line > 0);
    const jobs = await mail.addBulk([1, 2, 3].map((i) => ({ name: 'mail', data: { fail: 'SMTP 550 mailbox 42 unavailable', i } })));
    const ids = jobs.map((j) => j.id ?? '');
    await waitFor('the real worker failed them', async () => (await Promise.all(ids.map((id) => mail.getJobState(id)))).every((s) => s === 'failed'));
    const diagnostic = await waitFor('the failure group on the line that threw', () => vscode.languages.getDiagnostics(source).find((d) => d.source === 'chaperone failures'), 40_000);
    assert.equal(diagnostic.message, `3 failures in the last hour on bullmq:${POOL_QUEUE}: Error: SMTP 550 mailbox 42 unavailable`);
    assert.equal(diagnostic.range.start.line, line);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning, 'three is below the error level');
    assert.deepEqual(new Set(diagnostic.relatedInformation?.map((r) => r.location.uri.path)), new Set(ids.map((id) => `/bullmq:${POOL_QUEUE} #${id}`)));
    // The job document's frame in the workspace file is a link to that line.
    const jobDoc = await vscode.workspace.openTextDocument(diagnostic.relatedInformation?.[0].location.uri ?? source);
    await waitFor('the job read', () => /stack:/.test(jobDoc.getText()));
    const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', jobDoc.uri);
    const link = links.find((l) => l.target?.path === source.path);
    assert.ok(link?.target, `a link to code/bullmq-worker.js among ${links.map((l) => l.target?.toString()).join(', ')}`);
    assert.equal(link.target.fragment, `L${line + 1}`);
    assert.match(jobDoc.getText(link.range), /bullmq-worker\.js:\d+$/);
    await vscode.commands.executeCommand('vscode.open', link.target);
    await waitFor('the file open at the line', () => vscode.window.activeTextEditor?.document.uri.path === source.path && vscode.window.activeTextEditor.selection.active.line === line);
    // Its quick fixes: show the group's jobs, retry the group (the real worker runs them again), the dashboard.
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', source, diagnostic.range);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes(`Show the 3 failed jobs of this group (bullmq:${POOL_QUEUE})`) && titles.includes('Retry the 3 failed jobs of this group…') && titles.includes('Open the Chaperone dashboard'), titles.join(' | '));
    const show = actions.find((a) => a.title.startsWith('Show'))?.command;
    const shown = await vscode.commands.executeCommand<{ opened: string }>(show?.command ?? '', { ...(show?.arguments?.[0] as object), pick: ids[1] });
    assert.equal(shown?.opened, ids[1], api.lastError.message);
    assert.equal(vscode.window.activeTextEditor?.document.uri.path, `/bullmq:${POOL_QUEUE} #${ids[1]}`);
    const retry = actions.find((a) => a.title.startsWith('Retry'))?.command;
    const before = await Promise.all(ids.map(async (id) => (await mail.getJob(id))?.attemptsMade ?? 0));
    const retried = await vscode.commands.executeCommand<{ ok: boolean; message: string }>(retry?.command ?? '', { ...(retry?.arguments?.[0] as object), yes: true });
    assert.equal(retried?.ok, true, api.lastError.message);
    assert.equal(retried?.message, `retried 3 of 3 failed job(s) of bullmq:${POOL_QUEUE}`);
    await waitFor('the real worker ran them again', async () => (await Promise.all(ids.map(async (id, i) => ((await mail.getJob(id))?.attemptsMade ?? 0) > before[i] && (await mail.getJobState(id)) === 'failed'))).every(Boolean));
    // Gone from the queue: the diagnostic clears.
    for (const id of ids) await (await mail.getJob(id))?.remove();
    await waitFor('the diagnostic cleared', () => !vscode.languages.getDiagnostics(source).some((d) => d.source === 'chaperone failures'), 40_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // RQ too, on a second connection: a real RQ worker fails a task of code/rq/tasks.py (a Python traceback).
    const tasks = vscode.Uri.joinPath(folder, 'code', 'rq', 'tasks.py');
    await vscode.workspace.fs.copy(vscode.Uri.file(path.join(FIXTURES, 'rq', 'tasks.py')), tasks, { overwrite: true });
    await setConfig(api, configUri, ['pathMappings', path.join(FIXTURES, 'rq')], './code/rq');
    await setConfig(api, configUri, ['connections', 'systems'], { url: URL, queues: { rq: {} } });
    const raise = (await vscode.workspace.openTextDocument(tasks)).getText().split('\n').findIndex((l) => l.includes("raise RuntimeError(note or 'simulated failure')"));
    const rq = spawn(path.join(FIXTURES, 'rq', 'worker.sh'), [], { env: { ...process.env, REDIS_URL: URL, QUEUE: 'vs-rq', JOB_MS: '5' }, stdio: 'ignore' });
    try {
      await runScript('/usr/bin/python3', path.join(FIXTURES, 'rq', 'producer.py'), ['vs-rq', '2', '0', '1'], { REDIS_URL: URL });
      const onTask = await waitFor('the RQ failure group on the line that raised', () => vscode.languages.getDiagnostics(tasks).find((d) => d.source === 'chaperone failures'), 60_000);
      assert.equal(onTask.message, '2 failures in the last hour on systems/rq:vs-rq: RuntimeError: simulated failure');
      assert.equal(onTask.range.start.line, raise);
      // The function's code lens counts its failed jobs of the last hour, as RQ's failed registry holds them.
      const fn = (await vscode.workspace.openTextDocument(tasks)).getText().split('\n').findIndex((l) => l.startsWith('def test_job('));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(tasks));
      const lens = await lensOf(tasks, 'rq · tasks.test_job: ');
      assert.equal(lens.range.start.line, fn);
      assert.equal(lens.command?.title, 'rq · tasks.test_job: 2 failed in the last hour (2 on systems/rq:vs-rq) · runs and runtime unknown: RQ counts runs per worker, not per function');
      const others = ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', tasks)) ?? []).filter((l) => l.range.start.line !== fn && l.command?.title.startsWith('rq · '));
      assert.deepEqual(others.map((l) => l.command?.title), [], 'no lens on a function no job ran (descend)');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      rq.kill('SIGKILL');
    }
  });

  it('Laravel: a real Illuminate worker (recording as Horizon does) fails a job in a workspace file: a diagnostic on the line that threw, the job document links there, the class\'s lens counts its failures', async () => {
    const { uri: source, lines } = await workspaceCopy(api, configUri, 'laravel', 'bootstrap.php');
    await setConfig(api, configUri, ['connections', 'systems'], { url: URL, queues: { rq: {}, laravel: {} } });
    const threw = lines.findIndex((l, i) => l.includes("throw new RuntimeException('simulated failure');") && lines[i - 1]?.includes("if (!empty($data['fail'])) {"));
    const handle = lines.findIndex((l) => l.includes('public function handle($job, $data)'));
    assert.ok(threw > 0 && handle > 0);
    const env = { REDIS_PORT: new globalThis.URL(URL).port, QUEUE: 'vs-lar' };
    const worker = spawn('php', [path.join(FIXTURES, 'laravel', 'horizon-worker.php')], { env: { ...process.env, ...env }, stdio: 'ignore' });
    try {
      await runScript('php', path.join(FIXTURES, 'laravel', 'producer.php'), ['vs-lar', '3', '0', '1'], env);
      const d = await waitFor('the Laravel failure group on the line that threw', () => vscode.languages.getDiagnostics(source).find((x) => x.source === 'chaperone failures'), 60_000);
      assert.equal(d.message, '3 failures in the last hour on systems/laravel:vs-lar: RuntimeException: simulated failure');
      assert.equal(d.range.start.line, threw);
      // The job document (Horizon's failed record) links the frame to the workspace file.
      const jobDoc = await vscode.workspace.openTextDocument(d.relatedInformation?.[0].location.uri ?? source);
      await waitFor('the job read', () => /bootstrap\.php/.test(jobDoc.getText()));
      const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', jobDoc.uri);
      const link = links.find((l) => l.target?.path === source.path);
      assert.ok(link?.target, `a link to code/laravel/bootstrap.php among ${links.map((l) => l.target?.toString()).join(', ')}`);
      assert.equal(link.target.fragment, `L${threw + 1}`);
      await vscode.commands.executeCommand('vscode.open', link.target);
      await waitFor('the file open at the line', () => vscode.window.activeTextEditor?.document.uri.path === source.path && vscode.window.activeTextEditor.selection.active.line === threw);
      // TestJob is queued as "TestJob@handle": its lens appears once Horizon names a job of it.
      const lens = await lensOf(source, 'laravel · TestJob: ');
      assert.equal(lens.range.start.line, handle);
      assert.equal(lens.command?.title, 'laravel · TestJob: 3 failed in the last hour (3 on systems/laravel:vs-lar) · runs per class unknown: Horizon keeps completed jobs only for its trim.completed');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      worker.kill('SIGKILL');
    }
  });

  it('Sidekiq: a real Sidekiq process fails jobs of a workspace file: a diagnostic on the line that raised, and the job class\'s lens counts them as the least that failed', async () => {
    const { uri: source, lines } = await workspaceCopy(api, configUri, 'sidekiq', 'boot.rb');
    await setConfig(api, configUri, ['connections', 'systems'], { url: URL, queues: { sidekiq: {} } });
    const raised = lines.findIndex((l) => l.includes("raise 'simulated failure' if opts['fail']"));
    const perform = lines.findIndex((l) => l.includes('def perform('));
    const worker = spawn(path.join(FIXTURES, 'sidekiq', 'worker.sh'), [], { env: { ...process.env, REDIS_URL: URL, QUEUE: 'vs-sk-lens', JOB_MS: '5' }, stdio: 'ignore' });
    try {
      await runScript('ruby', path.join(FIXTURES, 'sidekiq', 'producer.rb'), ['vs-sk-lens', '2', '0', '1'], { REDIS_URL: URL });
      const d = await waitFor('the Sidekiq failure group on the line that raised', () => vscode.languages.getDiagnostics(source).find((x) => x.source === 'chaperone failures'), 60_000);
      assert.equal(d.message, '2 failures in the last hour on systems/sidekiq:vs-sk-lens: RuntimeError: simulated failure');
      assert.equal(d.range.start.line, raised);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(source));
      const lens = await lensOf(source, 'sidekiq · TestJob: ≥2 ');
      assert.equal(lens.range.start.line, perform);
      assert.equal(lens.command?.title, "sidekiq · TestJob: ≥2 failed in the last hour (≥2 on systems/sidekiq:vs-sk-lens; Sidekiq's retry and dead sets; a retry that succeeded leaves none) · runs per class unknown: Sidekiq counts them per class only in the metrics of Sidekiq 7");
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      // TERM: Sidekiq takes its heartbeat out of Redis as it stops (a killed process would stay listed for a minute).
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      worker.kill('SIGKILL');
    }
  });

  it('the other job, queue and worker actions act on the real systems: promote, mark failed and replay (BullMQ), kill (Sidekiq), suspend and resume (RQ), quiet and stop a Sidekiq process', async () => {
    // Sidekiq and RQ on a second connection of the same Redis, added to chaperone.json as a user would.
    await setConfig(api, configUri, ['connections', 'systems'], { url: URL, queues: { sidekiq: {}, rq: {} } });
    const q = new Queue('vs-more', { connection: connection(URL) });
    const slow = spawn(process.execPath, [path.join(FIXTURES, 'workers', 'bullmq-worker.js')], { env: { ...process.env, REDIS_URL: URL, QUEUE: 'vs-more', JOB_MS: '120000' }, stdio: 'ignore' });
    const sidekiq = spawn(path.join(FIXTURES, 'sidekiq', 'worker.sh'), [], { env: { ...process.env, REDIS_URL: URL, QUEUE: 'vs-sk-run', JOB_MS: '20' }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => sidekiq.once('exit', () => resolve()));
    const raw = new Redis(URL);
    try {
      // BullMQ: a delayed job run now (the one worker is busy, so it waits), then the running job marked failed.
      const running = await q.add('long', { i: 1 });
      await waitFor('the real worker runs it', async () => (await q.getJobState(running.id ?? '')) === 'active');
      const later = await q.add('later', { i: 2 }, { delay: 3_600_000 });
      const promoted = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.promoteJob', { queue: 'bullmq:vs-more', jobId: later.id });
      assert.equal(promoted?.ok, true, api.lastError.message);
      assert.equal(await q.getJobState(later.id ?? ''), 'waiting');
      const marked = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.markJobFailed', { queue: 'bullmq:vs-more', jobId: running.id, yes: true, reason: 'stuck, marked in the editor test' });
      assert.equal(marked?.ok, true, api.lastError.message);
      assert.match(marked?.message ?? '', /keeps running|not stopped|still running/i, 'it says the handler is not stopped');
      assert.equal(await q.getJobState(running.id ?? ''), 'failed');
      assert.equal((await q.getJob(running.id ?? ''))?.failedReason, 'stuck, marked in the editor test');
      // The failed job replayed: a copy waits on the queue (its one worker is still busy), the failed one stays.
      const replayed = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.replayJob', { queue: 'bullmq:vs-more', jobId: running.id, yes: true });
      assert.equal(replayed?.ok, true, api.lastError.message);
      const copyId = /as job (\S+) /.exec(replayed?.message ?? '')?.[1] ?? '';
      assert.deepEqual([(await q.getJob(copyId))?.data, await q.getJobState(copyId), await q.getJobState(running.id ?? '')], [{ i: 1 }, 'waiting', 'failed']);
      // Sidekiq: a scheduled job killed to the dead set.
      const [jid] = (await runScript('ruby', path.join(FIXTURES, 'sidekiq', 'producer.rb'), ['vs-sk', '1', '3600'], { REDIS_URL: URL })).trim().split('\n');
      await waitFor('the systems connection at a tick', () => api.host.engine?.lastSignals()?.queues.find((s) => s.connection === 'systems' && s.id === 'sidekiq:vs-sk' && s.delayed === 1), 40_000);
      const killed = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('chaperone.killJob', { queue: 'sidekiq:vs-sk', connection: 'systems', jobId: jid, yes: true });
      assert.equal(killed?.ok, true, api.lastError.message);
      assert.equal(await raw.zcard('schedule'), 0);
      assert.ok((await raw.zrange('dead', 0, '-1')).some((m) => (JSON.parse(m) as { jid: string }).jid === jid), 'in Sidekiq\'s dead set');
      // RQ: every worker suspended, then resumed (RQ's own rq:suspended key).
      const suspended = await vscode.commands.executeCommand<{ ok: boolean }>('chaperone.suspendSystem', { system: 'rq', connection: 'systems', yes: true });
      assert.equal(suspended?.ok, true, api.lastError.message);
      assert.equal(await raw.exists('rq:suspended'), 1);
      const resumed = await vscode.commands.executeCommand<{ ok: boolean }>('chaperone.unsuspendSystem', { system: 'rq', connection: 'systems' });
      assert.equal(resumed?.ok, true, api.lastError.message);
      assert.equal(await raw.exists('rq:suspended'), 0);
      // A Sidekiq process from its row in the Workers view: quiet (it says so in its heartbeat), then stopped.
      const row = await waitFor('the Sidekiq process in the Workers view', async () => {
        const registry = ((await api.workers.getChildren()) as WorkerNode[]).find((n) => n.kind === 'registry');
        return registry && ((await api.workers.getChildren(registry)) as WorkerNode[]).find((n) => n.kind === 'registered' && n.system === 'sidekiq');
      }, 40_000);
      assert.ok(row.kind === 'registered');
      const quieted = await vscode.commands.executeCommand<{ ok: boolean }>('chaperone.quietSystemWorker', row);
      assert.equal(quieted?.ok, true, api.lastError.message);
      await waitFor('Sidekiq says it is quiet', async () => (await raw.hget(row.worker.id, 'quiet')) === 'true', 30_000);
      const stopped = await vscode.commands.executeCommand<{ ok: boolean }>('chaperone.stopSystemWorker', row, true);
      assert.equal(stopped?.ok, true, api.lastError.message);
      await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the Sidekiq process did not stop')), 40_000))]);
    } finally {
      slow.kill('SIGKILL');
      sidekiq.kill('SIGKILL');
      raw.disconnect();
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
  });

  it('a password set in SecretStorage connects a new profile that needs one', async () => {
    assert.ok(AUTH_URL && AUTH_PASSWORD);
    const authQueue = new Queue('secure-jobs', { connection: { ...connection(AUTH_URL), password: AUTH_PASSWORD } });
    try {
      await authQueue.add('s', {});
      const added = await vscode.commands.executeCommand('chaperone.connectProfile', { name: 'secure', url: AUTH_URL, readOnly: false });
      assert.equal(added, 'secure', api.lastError.message);
      await waitFor('NOAUTH without the password', () => api.host.engine?.queueErrors().find((e) => e.startsWith('secure/') && /NOAUTH|auth/i.test(e))).catch((err: Error) => {
        throw new Error(`${err.message}; errors: ${JSON.stringify(api.host.engine?.queueErrors())}; connections: ${api.host.engine?.queues?.connections.map((c) => c.config.name).join(',')}`);
      });
      const raw = new Redis(URL);
      await vscode.commands.executeCommand('chaperone.setPassword', { connection: 'secure', password: AUTH_PASSWORD });
      await waitFor('the queue behind the password', () => api.host.engine?.lastSignals()?.queues.find((q) => q.connection === 'secure' && q.id === 'bullmq:secure-jobs'));
      const text = (await vscode.workspace.openTextDocument(configUri)).getText();
      assert.ok(!text.includes(AUTH_PASSWORD), 'the password never goes into chaperone.json');
      raw.disconnect();
    } finally {
      await authQueue.close();
    }
  });

  it('without chaperone.json: the welcome state, then Create chaperone.json writes one from the queues found', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(configUri);
    await api.host.reload();
    assert.equal(api.host.loaded?.exists, false);
    assert.equal(api.host.engine?.config.pools.length, 0);
    const created = await vscode.commands.executeCommand<vscode.Uri>('chaperone.createConfig');
    assert.equal(created?.toString(), configUri.toString(), api.lastError.message);
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(configUri));
    assert.match(text, new RegExp(`bullmq: .*${BACKLOG_QUEUE}`));
    assert.match(text, /"bullmq:\*": \{ "depth"/);
    assert.equal(api.host.loaded?.problems.length, 0, 'the file it writes is valid');
  });
});
