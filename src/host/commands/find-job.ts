// "Chaperone: Find Job…": a quick pick whose results follow what is typed (an id, or text in a
// job's name, payload or error), across the queues of every connection; picking one opens it.
// With {text} it runs without asking (tests, keybindings) and opens the first match.
import * as vscode from 'vscode';
import { formatDuration } from '../../core/units';
import { findJobs, type FindResult, type FoundJob } from '../find-jobs';
import { jobUri } from '../job-documents';
import type { HostCommand } from './command';
import { service } from './queue-target';

const DEBOUNCE_MS = 250;

interface Item extends vscode.QuickPickItem {
  found?: FoundJob;
}

function items(r: FindResult): Item[] {
  const out: Item[] = r.found.map((f) => ({
    label: f.job ? f.job.name || f.id : f.id,
    description: f.job ? `#${f.id} · ${f.ref.id} · ${f.job.state}${f.job.ageMs !== null ? ` · ${formatDuration(f.job.ageMs)} old` : ''}${f.ref.connection !== 'default' ? ` · ${f.ref.connection}` : ''}` : `${f.ref.id} · found by its id`,
    detail: f.job ? (f.job.failedReason ? `${f.job.failedReason} | ${f.job.preview}` : f.job.preview) : undefined,
    found: f,
  }));
  if (r.of > r.searched) out.push({ label: `Searched the ${r.searched} busiest of ${r.of} queues`, description: 'name the queue\'s state and filter it in the Queues view to search the rest', alwaysShow: true });
  for (const e of r.errors) out.push({ label: `$(error) ${e}`, alwaysShow: true });
  return out;
}

async function open(f: FoundJob): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(jobUri(f.ref, f.id));
  await vscode.window.showTextDocument(doc, { preview: true });
}

export const findJob: HostCommand = {
  id: 'chaperone.findJob',
  async run(ctx, arg) {
    const svc = service(ctx.host);
    const queues = () => ctx.host.engine?.lastSignals()?.queues ?? [];
    if (arg && typeof arg === 'object' && typeof (arg as { text?: unknown }).text === 'string') {
      const r = await findJobs(svc, queues(), (arg as { text: string }).text);
      if (r.found[0]) await open(r.found[0]);
      else void vscode.window.showInformationMessage(`No job holds "${(arg as { text: string }).text}" in the ${r.searched} queues searched`);
      return { found: r.found.map((f) => ({ queue: f.ref.id, connection: f.ref.connection, id: f.id, state: f.job?.state })), searched: r.searched, of: r.of, errors: r.errors };
    }
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = 'Find Job';
    qp.placeholder = 'A job id, or text in its name, payload or error';
    // The results are already matches: VS Code's own fuzzy filter would hide the ones matched in the payload.
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    let generation = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    qp.onDidChangeValue((value) => {
      clearTimeout(timer);
      const mine = ++generation;
      timer = setTimeout(() => {
        qp.busy = true;
        findJobs(svc, queues(), value, () => mine !== generation)
          .then((r) => {
            if (mine !== generation) return;
            qp.items = items(r).map((i) => ({ ...i, alwaysShow: true }));
            if (r.found.length === 0 && value.trim()) qp.items = [{ label: `No job holds "${value.trim()}"`, description: `${r.searched} queue(s) searched`, alwaysShow: true }, ...qp.items];
          })
          .catch((err: unknown) => {
            qp.items = [{ label: `$(error) ${err instanceof Error ? err.message : String(err)}`, alwaysShow: true }];
          })
          .finally(() => {
            if (mine === generation) qp.busy = false;
          });
      }, DEBOUNCE_MS);
    });
    return new Promise((resolve) => {
      qp.onDidAccept(() => {
        const f = qp.selectedItems[0]?.found;
        if (!f) return;
        qp.hide();
        void open(f);
        resolve({ opened: `${f.ref.id}#${f.id}` });
      });
      qp.onDidHide(() => {
        clearTimeout(timer);
        generation++;
        qp.dispose();
        resolve(undefined);
      });
      qp.show();
    });
  },
};
