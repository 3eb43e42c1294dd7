// Workers: supervisors (this editor's own first, then the others seen in Redis) -> pools -> workers.
import { contextValue, treeId } from './tree-ids';
import * as vscode from 'vscode';
import type { PoolSnapshot, SupervisorSnapshot, WorkerSnapshot, WorkerState } from '../../core/snapshot';
import { formatBytes, formatDuration } from '../../core/units';
import { explainFigure, showFigure } from '../../core/signals/figure';
import type { EngineHost } from '../engine-host';
import * as os from 'node:os';
import type { SystemName } from '../../core/queue-ref';
import type { LiveWorker } from '../../queues/contract';
import { cpuTotal, memoryTotal } from '../figures';
import { VisibleTree, messageItem } from './visible-tree';

export type WorkerNode =
  | { kind: 'supervisor'; id: string; snap: Omit<SupervisorSnapshot, 'controlPlane'>; own: boolean }
  | { kind: 'pool'; id: string; supervisor: string; own: boolean; pool: PoolSnapshot }
  | { kind: 'worker'; id: string; supervisor: string; own: boolean; pool: string; worker: WorkerSnapshot }
  /** The workers the queue systems register that Chaperone does not supervise here. */
  | { kind: 'registry'; id: string }
  | { kind: 'registered'; id: string; system: SystemName; connection: string; worker: LiveWorker }
  | { kind: 'message'; id: string; text: string; icon: string; tooltip?: string };

const STATE_ICON: Record<WorkerState, [string, string?]> = {
  starting: ['loading~spin'],
  running: ['pass-filled', 'testing.iconPassed'],
  stopping: ['debug-pause', 'charts.yellow'],
  stopped: ['circle-slash'],
  exited: ['warning', 'charts.yellow'],
  backoff: ['history', 'charts.yellow'],
  fatal: ['error', 'errorForeground'],
};

export class WorkersTree extends VisibleTree<WorkerNode> {
  /** Last drawn JSON per pool node: only pools that changed are refreshed. */
  private readonly drawn = new Map<string, string>();

  constructor(private readonly host: EngineHost, onVisibility: () => void) {
    super('chaperone.workers', onVisibility);
  }

  /** Called on every supervisor change: refresh only the pools whose snapshot changed. */
  update(): void {
    const sups = this.supervisors();
    const poolIds = new Set<string>();
    let structural = false;
    for (const s of sups) {
      for (const p of s.snap.pools) {
        const id = treeId.pool(s.snap.id, p.name);
        poolIds.add(id);
        const json = JSON.stringify(p);
        const node = this.nodes.get(id);
        if (!node) structural = true;
        else if (this.drawn.get(id) !== json && node.kind === 'pool') {
          node.pool = p;
          this.refresh(node);
        }
        this.drawn.set(id, json);
      }
    }
    for (const id of [...this.drawn.keys()]) {
      if (poolIds.has(id)) continue;
      this.drawn.delete(id);
      structural = true;
    }
    this.updateBadge(sups);
    // The systems' registries (read by the signals every 10 s): the node is redrawn when they change.
    // Compared by what the rows show (coarse running times), so rows hold still between changes.
    const listed = this.registered();
    const registered = JSON.stringify(listed.map((r) => [r.connection, r.system, r.worker.id, doingNow(r.worker), r.worker.actions]));
    const facts = JSON.stringify(sups.filter((s) => s.own).flatMap((s) => s.snap.pools.flatMap((p) => p.workers.map((w) => { const f = this.registryFacts(w.pid); return f ? doingNow(f) : ''; }))));
    if (registered !== this.drawnRegistry) {
      if ((this.drawnRegistry === '[]') !== (registered === '[]')) structural = true;
      this.drawnRegistry = registered;
      const node = this.nodes.get(treeId.registry());
      if (node && !structural) this.refresh(node);
    }
    if (facts !== this.drawnFacts) {
      this.drawnFacts = facts;
      for (const s of sups) if (s.own) for (const p of s.snap.pools) {
        const node = this.nodes.get(treeId.pool(s.snap.id, p.name));
        if (node) this.refresh(node);
      }
    }
    if (structural) this.refresh();
  }

  private drawnRegistry = '[]';
  private drawnFacts = '[]';

  /**
   * Registered workers that are not a process this editor supervises (those show on their own row,
   * with what the registry says they run). Matched by pid on this host.
   */
  private registered(): { system: SystemName; connection: string; worker: LiveWorker }[] {
    const pools = this.host.engine?.snapshot().pools ?? [];
    const own = new Set(pools.flatMap((p) => p.workers.map((w) => w.pid)));
    // A registry without pids (BullMQ's CLIENT LIST) cannot be matched process by process: as many
    // of a queue's entries as this editor's pools run for it on the default connection are taken
    // to be those processes, and only the others are listed.
    const unmatched = new Map<string, number>();
    for (const p of pools) for (const q of p.queues) unmatched.set(q, (unmatched.get(q) ?? 0) + p.workers.filter((w) => w.state === 'running').length);
    const here = os.hostname();
    return (this.host.engine?.registeredWorkers() ?? []).flatMap((r) => ('workers' in r.result ? r.result.workers : [])
      .filter((w) => {
        if (w.pid !== undefined) return !(own.has(w.pid) && (w.host === undefined || w.host === here || here.startsWith(w.host) || w.host.startsWith(here)));
        if (r.connection !== 'default') return true;
        const q = w.queues?.find((x) => (unmatched.get(x) ?? 0) > 0);
        if (q === undefined) return true;
        unmatched.set(q, (unmatched.get(q) ?? 0) - 1);
        return false;
      })
      .map((worker) => ({ system: r.system, connection: r.connection, worker })));
  }

  /** What a system's registry says a supervised process runs now (by pid on this host). */
  private registryFacts(pid: number | null): LiveWorker | undefined {
    if (pid === null) return undefined;
    for (const r of this.host.engine?.registeredWorkers() ?? []) {
      if (!('workers' in r.result)) continue;
      const w = r.result.workers.find((x) => x.pid === pid);
      if (w) return w;
    }
    return undefined;
  }

  private updateBadge(sups: { snap: { pools: PoolSnapshot[] } }[]): void {
    const troubled = sups.flatMap((s) => s.snap.pools.flatMap((p) => p.workers)).filter((w) => w.state === 'fatal' || w.state === 'backoff').length;
    this.view.badge = troubled ? { value: troubled, tooltip: `${troubled} worker(s) failing` } : undefined;
  }

  private supervisors(): { snap: Omit<SupervisorSnapshot, 'controlPlane'>; own: boolean }[] {
    const own = this.host.engine;
    const list: { snap: Omit<SupervisorSnapshot, 'controlPlane'>; own: boolean }[] = [];
    if (own && own.config.pools.length) list.push({ snap: own.snapshot(), own: true });
    for (const o of this.host.others) if (o.snapshot) list.push({ snap: o.snapshot, own: false });
    return list;
  }

  getChildren(node?: WorkerNode): WorkerNode[] {
    if (!node) {
      if (this.host.startError) return [this.message('error', this.host.startError, 'error')];
      const sups = this.supervisors();
      const registry: WorkerNode[] = this.registered().length ? [this.node(treeId.registry(), () => ({ kind: 'registry', id: treeId.registry() }), () => undefined)] : [];
      if (sups.length === 0 && this.host.engine && !registry.length) return []; // the welcome view takes over
      return [
        ...sups.map((s) =>
          this.node(treeId.supervisor(s.snap.id), () => ({ kind: 'supervisor', id: treeId.supervisor(s.snap.id), snap: s.snap, own: s.own }), (n) => {
            if (n.kind === 'supervisor') n.snap = s.snap;
          }),
        ),
        ...registry,
      ];
    }
    if (node.kind === 'registry') {
      return this.registered().map((r) => {
        const id = treeId.registered(r.connection, r.system, r.worker.id);
        return this.node(id, () => ({ kind: 'registered', id, system: r.system, connection: r.connection, worker: r.worker }), (n) => {
          if (n.kind === 'registered') n.worker = r.worker;
        });
      });
    }
    if (node.kind === 'supervisor') {
      const fresh = this.supervisors().find((s) => s.snap.id === node.snap.id)?.snap ?? node.snap;
      return fresh.pools.map((p) =>
        this.node(treeId.pool(fresh.id, p.name), () => ({ kind: 'pool', id: treeId.pool(fresh.id, p.name), supervisor: fresh.id, own: node.own, pool: p }), (n) => {
          if (n.kind === 'pool') n.pool = p;
        }),
      );
    }
    if (node.kind === 'pool') {
      return node.pool.workers.map((w) => {
        const id = treeId.worker(node.supervisor, node.pool.name, w.id);
        return this.node(id, () => ({ kind: 'worker', id, supervisor: node.supervisor, own: node.own, pool: node.pool.name, worker: w }), (n) => {
          if (n.kind === 'worker') n.worker = w;
        });
      });
    }
    return [];
  }

  private message(key: string, text: string, icon: string): WorkerNode {
    return { kind: 'message', id: `msg:${key}`, text, icon };
  }

  getTreeItem(node: WorkerNode): vscode.TreeItem {
    switch (node.kind) {
      case 'message':
        return Object.assign(messageItem(node.text, node.icon, node.tooltip), { id: node.id });
      case 'supervisor': {
        const s = node.snap;
        const item = new vscode.TreeItem(node.own ? `This editor (${s.id})` : s.id, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.description = `${s.pools.length} pool(s) · ${s.host} pid ${s.pid}`;
        item.iconPath = new vscode.ThemeIcon(node.own ? 'vm-active' : 'remote');
        item.contextValue = contextValue.supervisor(node.own);
        item.tooltip = `Supervisor ${s.id} on ${s.host} (pid ${s.pid}), Chaperone ${s.version}\nconfig: ${s.configFile}`;
        return item;
      }
      case 'pool': {
        const p = node.pool;
        // A debug worker runs beside the pool's count: not one of the N, shown apart.
        const running = p.workers.filter((w) => w.state === 'running' && !w.debug).length;
        const debugging = p.workers.filter((w) => w.debug).length;
        const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        const cpu = cpuTotal(p.workers);
        const mem = memoryTotal(p.workers);
        const owner = p.scaling?.by === 'autoscaler' ? ` · auto (${p.scaling.strategy})` : p.scaling?.by === 'pinned' ? ` · pinned until ${new Date(p.scaling.until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}` : '';
        // The counts first (a narrow sidebar shows a description's first characters): "2/2 running", "1/2 draining".
        // Unknown until the supervisor has sampled a running worker ("≥" while only some are).
        const usage = cpu.value === null && mem.value === null ? 'cpu, memory unknown' : `cpu ${showFigure(cpu, (v) => `${v.toFixed(0)}%`)} · ${mem.value === null ? 'memory unknown' : showFigure(mem, formatBytes)}`;
        item.description = `${running}/${p.desired} ${p.state}${debugging ? ` · ${debugging} debug` : ''}${owner}${running ? ` · ${usage}` : ''}${p.queues.length ? ` · ${p.queues.join(', ')}` : ''}`;
        item.iconPath = new vscode.ThemeIcon(
          p.state === 'running' ? 'server-process' : p.state === 'degraded' ? 'warning' : p.state === 'stopped' ? 'circle-slash' : 'loading~spin',
          p.state === 'degraded' ? new vscode.ThemeColor('charts.yellow') : undefined,
        );
        item.contextValue = contextValue.pool(node.own, p.state === 'stopped');
        const scaling = p.scaling?.by === 'autoscaler' ? `the autoscaler (${p.scaling.strategy}) sets the count; a manual scale pins it for a while (scale.pin)`
          : p.scaling?.by === 'pinned' ? `a manual scale holds the count until ${new Date(p.scaling.until).toLocaleTimeString()}; then the autoscaler (${p.scaling.strategy}) owns it again`
          : 'the count is set by hand';
        item.tooltip = new vscode.MarkdownString(`**${p.name}** — ${p.state}, ${p.desired} desired (min ${p.min}, max ${p.max})\n\n${scaling}\n\nqueues: ${p.queues.join(', ') || 'none'}${running ? `\n\ncpu: ${explainFigure(cpu, (v) => `${v.toFixed(0)}%`)}\n\nmemory: ${explainFigure(mem, formatBytes)}` : ''}`);
        return item;
      }
      case 'registry': {
        const n = this.registered().length;
        const item = new vscode.TreeItem('Registered by the queue systems', vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.description = `${n} worker${n === 1 ? '' : 's'} not supervised here`;
        item.iconPath = new vscode.ThemeIcon('organization');
        item.tooltip = 'Workers the queue systems register (Sidekiq processes, RQ and Celery workers, Horizon supervisors, BullMQ clients) that this editor does not supervise. Read every 10 s while Chaperone samples.';
        return item;
      }
      case 'registered': {
        const w = node.worker;
        const item = new vscode.TreeItem(w.id, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = [node.connection === 'default' ? node.system : `${node.connection}/${node.system}`, doingNow(w), w.pid ? `pid ${w.pid}` : ''].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(w.running?.length ? 'run' : 'circle-outline');
        item.contextValue = contextValue.registered(w.actions ?? []);
        const md = new vscode.MarkdownString(`**${w.id}** — ${w.source}${w.host ? ` on ${w.host}` : ''}

`);
        md.appendMarkdown(`queues: ${(w.queues ?? []).join(', ') || 'none'}

${w.detail ?? ''}

`);
        for (const r of w.running ?? []) md.appendMarkdown(`running ${r.name || 'a job'} #${r.id} on ${r.queue}${r.sinceMs !== null ? ` for ${formatDuration(r.sinceMs)}` : ''}

`);
        item.tooltip = md;
        return item;
      }
      case 'worker': {
        const w = node.worker;
        const item = new vscode.TreeItem(w.id, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        const parts: string[] = [w.debug ? `debug · ${w.state}` : w.state];
        if (w.pid !== null) parts.push(`pid ${w.pid}`);
        if (w.cpu !== null) parts.push(`cpu ${w.cpu.toFixed(0)}%`);
        if (w.memoryBytes !== null) parts.push(formatBytes(w.memoryBytes));
        if (w.state === 'running') parts.push(`up ${formatDuration(w.uptimeMs)}`);
        if (w.restarts) parts.push(`↻ ${w.restarts}`);
        // One row per process: what the system's registry says it runs now joins the supervisor's facts.
        const facts = node.own ? this.registryFacts(w.pid) : undefined;
        if (facts) parts.push(doingNow(facts));
        item.description = parts.join(' · ');
        const [icon, color] = w.debug ? ['debug-alt', undefined] : STATE_ICON[w.state];
        item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
        item.contextValue = contextValue.worker(node.own);
        item.tooltip = workerTooltip(w);
        item.command = { command: 'chaperone.showLogs', title: 'Show Logs', arguments: [node] };
        return item;
      }
    }
  }
}

function workerTooltip(w: WorkerSnapshot): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${w.id}** — ${w.state}${w.restarts ? `, restarted ${w.restarts} time(s)` : ''}\n\n`);
  if (w.fatalReason) md.appendMarkdown(`$(error) ${w.fatalReason}\n\n`);
  if (w.debug) {
    md.appendMarkdown(w.debug.queues.length
      ? `Under the debugger; reads ${w.debug.queues.map((q) => `\`${q.to}\` instead of \`${q.from}\``).join(', ')}: replay a failed job into it from the job's row\n\n`
      : 'Under the debugger; reads the pool\'s own queues (its command names none of them)\n\n');
  }
  if (w.nextStartInMs !== undefined) md.appendMarkdown(`next start in ${formatDuration(w.nextStartInMs)}\n\n`);
  const e = w.lastExit;
  if (e) {
    md.appendMarkdown(`Last exit: ${e.signal ? `signal ${e.signal}` : `code ${e.code}`} after ${formatDuration(e.uptimeMs)}${e.reason ? ` (${e.reason})` : ''}, ${new Date(e.at).toLocaleTimeString()}\n\n`);
    if (e.stderrTail.length) md.appendCodeblock(e.stderrTail.slice(-10).join('\n'), 'text');
  }
  return md;
}

/** "running SendMail #42 (12s)", "running 3 jobs", or "idle" (coarse seconds: rows hold still). */
function doingNow(w: LiveWorker): string {
  const r = w.running ?? [];
  if (r.length === 0) return 'idle';
  if (r.length > 1) return `running ${r.length} jobs`;
  return `running ${r[0].name || 'job'} #${r[0].id}${r[0].sinceMs !== null ? ` (${formatDuration(Math.floor(r[0].sinceMs / 10_000) * 10_000)})` : ''}`;
}
