// Queues: connection -> system -> queue (counts, trend arrow, health) -> state -> jobs, paged.
// Figures come from the signals engine's last tick (no extra Redis reads); jobs are listed only
// when a state is expanded.
import * as vscode from 'vscode';
import { inTimeSlices } from '../../node/time-slices';
import { healthOf, type Finding } from '../../core/signals/findings';
import type { QueueSignal, SystemSignal } from '../../core/signals/signals-engine';
import { formatDuration } from '../../core/units';
import { coarseDuration, queueDescription, queueLabel, stateCount, queueFigureLines, sameRow, systemDescription, systemFigureLines } from './queue-row';
import { redactUrl } from '../../node/redis-connection';
import type { Capability, JobState, JobSummary, QueueRef, SystemName } from '../../queues/contract';
import { contextValue, treeId } from './tree-ids';
import type { EngineHost } from '../engine-host';
import { VisibleTree, messageItem } from './visible-tree';

export const JOB_PAGE = 25;
const STATES: JobState[] = ['pending', 'delayed', 'active', 'failed', 'completed'];

/** Every node under a queue keeps the queue's reference whole (never a "SYSTEM:QUEUE" string to parse). */
export interface QueueRefNode {
  ref: QueueRef;
}

export type QueueNode =
  | { kind: 'connection'; id: string; name: string }
  | { kind: 'system'; id: string; connection: string; system: SystemName }
  | ({ kind: 'queue'; id: string; signal: QueueSignal } & QueueRefNode)
  /** filter: only the jobs whose id, name, payload or error hold this text (searched in Redis, in slices). */
  | ({ kind: 'state'; id: string; state: JobState; limit: number; filter?: string } & QueueRefNode)
  | ({ kind: 'job'; id: string; state: JobState; job: JobSummary } & QueueRefNode)
  | ({ kind: 'more'; id: string; parent: string } & QueueRefNode)
  | { kind: 'message'; id: string; text: string; icon: string };

export class QueuesTree extends VisibleTree<QueueNode> {
  private drawn: readonly string[] = [];

  constructor(private readonly host: EngineHost, onVisibility: () => void) {
    super('chaperone.queues', onVisibility);
  }

  /** What each drawn row says (description + health): a row is re-rendered only when this changes. */
  private readonly shown = new Map<string, string>();
  private readonly shownHealth = new Map<string, string | undefined>();

  /** After a tick: rows whose text changed are refreshed; a new or gone queue refreshes all. */
  update(): void {
    const last = this.host.engine?.lastSignals();
    const signals = last?.queues ?? [];
    if (signals.length !== this.drawn.length || signals.some((q, i) => q.key !== this.drawn[i])) {
      this.drawn = signals.map((q) => q.key);
      this.refresh();
      return;
    }
    // One pass over the findings for every row (a thousand rows each scanning a thousand findings would block the loop).
    const health = this.healthNow();
    // Only rows that were drawn have nodes; the rest cost one map lookup. A row whose numbers and
    // health are the same is not even described again. A thousand rows go over turns of about a
    // millisecond (the editor's loop); a newer tick's pass replaces one still under way.
    const pass = ++this.pass;
    void inTimeSlices(signals, (batch) => {
      for (const q of batch) {
        const node = this.nodes.get(treeId.queueOfKey(q.key));
        if (node?.kind !== 'queue') continue;
        const prev = node.signal;
        node.signal = q;
        const worst = health.get(`queue:${q.key}`);
        if (sameRow(prev, q) && worst === this.shownHealth.get(node.id)) continue;
        if (this.shown.get(node.id) !== queueText(q, worst)) this.refresh(node);
      }
    }, { stale: () => pass !== this.pass, firstTurnNow: true }).then((finished) => {
      if (!finished) return;
      for (const s of last?.systems ?? []) {
        const node = this.nodes.get(treeId.system(s.connection, s.system));
        if (node?.kind === 'system' && this.shown.get(node.id) !== systemDescription(s)) this.refresh(node);
      }
    });
  }

  /** The current update pass (a newer one stops an older one between turns). */
  private pass = 0;

  /** Health per queue for the findings of now, computed once per set of findings (rows ask one by one). */
  private healthCache: { findings: readonly Finding[]; health: Map<string, string> } | undefined;
  private healthNow(): Map<string, string> {
    const findings = this.findings();
    if (this.healthCache?.findings !== findings) this.healthCache = { findings, health: healthOf(findings, []) };
    return this.healthCache.health;
  }

  private systemSignal(connection: string, system: SystemName): SystemSignal | undefined {
    return this.host.engine?.lastSignals()?.systems.find((s) => s.connection === connection && s.system === system);
  }

  /** Tooltips are built when hovered, from the newest figures (rows are not re-rendered for them). */
  resolveTreeItem(item: vscode.TreeItem, node: QueueNode): vscode.TreeItem {
    if (node.kind === 'queue') item.tooltip = this.queueTooltip(node);
    else if (node.kind === 'system') {
      const s = this.systemSignal(node.connection, node.system);
      const md = new vscode.MarkdownString(`**${node.system}** on ${node.connection}\n\n`);
      for (const line of s ? systemFigureLines(s) : ['not read yet']) md.appendMarkdown(`${escapeMd(line)}\n\n`);
      item.tooltip = md;
    }
    return item;
  }

  private queues(): QueueSignal[] {
    return this.host.engine?.lastSignals()?.queues ?? [];
  }

  private findings(): Finding[] {
    return this.host.engine?.findings() ?? [];
  }

  private handle(connection: string): { readOnly: boolean; url: string; caps: (system: SystemName) => ReadonlySet<Capability> } | undefined {
    const h = this.host.engine?.queues?.connections.find((c) => c.config.name === connection);
    if (!h) return undefined;
    return {
      readOnly: h.config.readOnly || !this.host.trusted,
      url: h.config.cluster ? `cluster of ${h.config.cluster.nodes.length}` : h.config.sentinel ? `sentinel ${h.config.sentinel.masterName}` : redactUrl(h.config.url),
      caps: (system) => h.adapters.find((a) => a.system === system)?.capabilities ?? new Set(),
    };
  }

  async getChildren(node?: QueueNode): Promise<QueueNode[]> {
    const engine = this.host.engine;
    if (!node) {
      if (this.host.startError) return [{ kind: 'message', id: 'msg:error', text: this.host.startError, icon: 'error' }];
      if (!engine?.queues) return [{ kind: 'message', id: 'msg:starting', text: 'Starting…', icon: 'loading~spin' }];
      return engine.queues.connections.map((c) => {
        const id = treeId.connection(c.config.name);
        return this.node(id, () => ({ kind: 'connection', id, name: c.config.name }), () => undefined);
      });
    }
    switch (node.kind) {
      case 'connection': {
        const h = engine?.queues?.connections.find((c) => c.config.name === node.name);
        const errors = engine?.queueErrors().filter((e) => e.startsWith(`${node.name}/`)) ?? [];
        const out: QueueNode[] = errors.map((e, i) => ({ kind: 'message', id: `msg:${node.name}:err${i}`, text: e, icon: 'error' }));
        const present = new Set(this.queues().filter((q) => q.ref.connection === node.name).map((q) => q.ref.system));
        for (const a of h?.adapters ?? []) {
          if (!present.has(a.system)) continue;
          const id = treeId.system(node.name, a.system);
          out.push(this.node(id, () => ({ kind: 'system', id, connection: node.name, system: a.system }), () => undefined));
        }
        if (!out.length) out.push({ kind: 'message', id: `msg:${node.name}:none`, text: engine?.lastSignals() ? 'No queues found' : 'Reading queues…', icon: 'info' });
        return out;
      }
      case 'system':
        return this.queues()
          .filter((q) => q.ref.connection === node.connection && q.ref.system === node.system)
          .map((q) => {
            const id = treeId.queue(q.ref);
            return this.node(id, () => ({ kind: 'queue', id, ref: q.ref, signal: q }), (n) => {
              if (n.kind === 'queue') n.signal = q;
            });
          });
      case 'queue':
        return STATES.map((state) => {
          const id = treeId.state(node.ref, state);
          return this.node(id, () => ({ kind: 'state', id, ref: node.ref, state, limit: JOB_PAGE }), () => undefined);
        });
      case 'state': {
        let jobs: JobSummary[];
        try {
          jobs = node.filter
            ? ((await engine?.queues?.search(node.ref, node.state, { text: node.filter, limit: node.limit + 1 }))?.jobs ?? [])
            : ((await engine?.queues?.jobs(node.ref, node.state, node.limit + 1)) ?? []);
        } catch (err) {
          return [{ kind: 'message', id: `msg:${node.id}:err`, text: err instanceof Error ? err.message : String(err), icon: 'error' }];
        }
        const out: QueueNode[] = jobs.slice(0, node.limit).map((job) => ({ kind: 'job', id: treeId.job(node.ref, node.state, job.id), ref: node.ref, state: node.state, job }));
        if (jobs.length > node.limit) out.push({ kind: 'more', id: treeId.more(node.id), ref: node.ref, parent: node.id });
        if (!out.length) out.push({ kind: 'message', id: `msg:${node.id}:empty`, text: node.filter ? `no job holds "${node.filter}"` : 'none', icon: 'dash' });
        return out;
      }
      default:
        return [];
    }
  }

  /** Shows only the jobs of a state that hold `text` ('' or undefined: every job again). */
  setFilter(node: QueueNode, text: string | undefined): void {
    const state = node.kind === 'state' ? this.nodes.get(node.id) : undefined;
    if (state?.kind !== 'state') return;
    state.filter = text || undefined;
    state.limit = JOB_PAGE;
    this.refresh(state);
  }

  /** "Load more": the next page of a state's jobs. */
  loadMore(node: QueueNode): void {
    if (node.kind !== 'more') return;
    const parent = this.nodes.get(node.parent);
    if (parent?.kind !== 'state') return;
    parent.limit += JOB_PAGE;
    this.refresh(parent);
  }

  getTreeItem(node: QueueNode): vscode.TreeItem {
    switch (node.kind) {
      case 'message':
        return Object.assign(messageItem(node.text, node.icon), { id: node.id });
      case 'connection': {
        const h = this.handle(node.name);
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.description = `${h?.url ?? ''}${h?.readOnly ? ' · read-only' : ''}`;
        item.iconPath = new vscode.ThemeIcon(h?.readOnly ? 'lock' : 'database');
        item.contextValue = contextValue.connection(!!h?.readOnly);
        item.tooltip = h?.readOnly ? `${node.name}: read-only — every write is refused` : node.name;
        return item;
      }
      case 'system': {
        const s = this.systemSignal(node.connection, node.system);
        const item = new vscode.TreeItem(node.system, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.description = s ? systemDescription(s) : '';
        this.shown.set(node.id, item.description);
        item.iconPath = new vscode.ThemeIcon('layers');
        const h = this.handle(node.connection);
        item.contextValue = contextValue.system(node.system, !!h?.readOnly, h ? h.caps(node.system) : [], !!this.host.engine?.queues?.connections.find((c) => c.config.name === node.connection)?.adapters.find((a) => a.system === node.system)?.suspend);
        return item;
      }
      case 'queue':
        return this.queueItem(node);
      case 'state': {
        const q = this.nodes.get(treeId.queue(node.ref));
        const count = q?.kind === 'queue' ? stateCount(q.signal, node.state) : undefined;
        const item = new vscode.TreeItem(node.state, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        if (count !== undefined) item.description = String(count);
        if (node.filter) item.description = `${item.description ? `${item.description} · ` : ''}filter: ${node.filter}`;
        item.contextValue = contextValue.state(node.state, !!node.filter);
        return item;
      }
      case 'job':
        return this.jobItem(node);
      case 'more': {
        const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.command = { command: 'chaperone.loadMoreJobs', title: 'Load more', arguments: [node] };
        return item;
      }
    }
  }

  private queueItem(node: Extract<QueueNode, { kind: 'queue' }>): vscode.TreeItem {
    const q = node.signal;
    const worst = this.healthNow().get(`queue:${q.key}`);
    const item = new vscode.TreeItem(queueLabel(q), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.description = queueDescription(q);
    this.shown.set(node.id, queueText(q, worst));
    this.shownHealth.set(node.id, worst);
    item.iconPath = q.paused
      ? new vscode.ThemeIcon('debug-pause')
      : worst === 'critical' ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'))
        : worst === 'warning' ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.yellow')) : new vscode.ThemeIcon('inbox');
    const h = this.handle(q.ref.connection);
    item.contextValue = contextValue.queue(!!h?.readOnly, q.paused, h ? h.caps(q.ref.system) : []);
    return item;
  }

  private queueTooltip(node: Extract<QueueNode, { kind: 'queue' }>): vscode.MarkdownString {
    const q = this.queues().find((x) => x.key === node.signal.key) ?? node.signal;
    const h = this.handle(q.ref.connection);
    const md = new vscode.MarkdownString(`**${escapeMd(q.id)}** on ${escapeMd(q.connection)}${h?.readOnly ? ' (read-only)' : ''}\n\n`);
    for (const line of queueFigureLines(q)) md.appendMarkdown(`${escapeMd(line)}\n\n`);
    for (const f of this.findings().filter((x) => x.subject.kind === 'queue' && x.subject.id === q.key)) md.appendMarkdown(`${f.severity === 'critical' ? '$(error)' : '$(warning)'} ${escapeMd(f.message)}\n\n`);
    md.supportThemeIcons = true;
    return md;
  }

  private jobItem(node: Extract<QueueNode, { kind: 'job' }>): vscode.TreeItem {
    const j = node.job;
    const item = new vscode.TreeItem(j.name || j.id, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = `#${j.id}${when(j)}${j.attempts ? ` · ${j.attempts} attempt(s)` : ''}`;
    item.tooltip = new vscode.MarkdownString().appendCodeblock(`${j.preview}${j.failedReason ? `\n\nfailed: ${j.failedReason}` : ''}`, 'json');
    item.iconPath = new vscode.ThemeIcon(node.state === 'failed' ? 'error' : node.state === 'active' ? 'play' : 'circle-outline');
    const h = this.handle(node.ref.connection);
    item.contextValue = contextValue.job(node.state, !!h?.readOnly, h ? h.caps(node.ref.system) : []);
    item.command = { command: 'chaperone.openJob', title: 'Open Job', arguments: [node] };
    return item;
  }
}

/** What a queue row shows: its label, its description, its health icon, paused. */
function queueText(q: QueueSignal, health: string | undefined): string {
  return `${queueLabel(q)}|${queueDescription(q)}|${health ?? 'ok'}|${q.paused}`;
}

/** Text that would start markdown inside a line (queue names are often "a-b.c", sources have parentheses). */
function escapeMd(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, '\\$&');
}

/** A delayed job says when it runs; the others how old they are (coarse: rows hold still). */
function when(j: JobSummary): string {
  if (j.state === 'delayed' && j.runAt !== undefined && j.runAt !== null) {
    const inMs = j.runAt - Date.now();
    return inMs > 0 ? ` · runs in ${coarseDuration(inMs)}` : ' · due now';
  }
  return j.ageMs !== null ? ` · ${formatDuration(j.ageMs)} ago` : '';
}
