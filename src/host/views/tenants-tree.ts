// Tenants: tenant -> its queues and pools, with the tenant's aggregates and its quota use.
import { explainFigure, showFigure } from '../../core/signals/figure';
import { contextValue, treeId } from './tree-ids';
import * as vscode from 'vscode';
import type { TenantSignal } from '../../core/signals/signals-engine';
import type { EngineHost } from '../engine-host';
import { VisibleTree, messageItem } from './visible-tree';

export type TenantNode =
  | { kind: 'tenant'; id: string; tenant: TenantSignal }
  | { kind: 'queue'; id: string; key: string }
  | { kind: 'pool'; id: string; pool: string }
  | { kind: 'message'; id: string; text: string };

export class TenantsTree extends VisibleTree<TenantNode> {
  private drawn = '';

  constructor(private readonly host: EngineHost, onVisibility: () => void) {
    super('chaperone.tenants', onVisibility);
  }

  update(): void {
    const json = JSON.stringify(this.tenants());
    if (json === this.drawn) return;
    this.drawn = json;
    this.refresh();
  }

  private tenants(): TenantSignal[] {
    return this.host.engine?.lastSignals()?.tenants ?? [];
  }

  getChildren(node?: TenantNode): TenantNode[] {
    if (!node) {
      const list = this.tenants();
      if (!list.length) {
        const configured = this.host.config && (this.host.config.tenants.queuePattern || this.host.config.tenants.payloadField);
        return [{ kind: 'message', id: 'msg:none', text: configured ? 'No tenant seen yet' : 'No tenants: set "tenants" in chaperone.json' }];
      }
      return list.map((t) => this.node(treeId.tenant(t.tenant), () => ({ kind: 'tenant', id: treeId.tenant(t.tenant), tenant: t }), (n) => {
        if (n.kind === 'tenant') n.tenant = t;
      }));
    }
    if (node.kind !== 'tenant') return [];
    const t = node.tenant;
    return [
      ...t.queues.map<TenantNode>((key) => ({ kind: 'queue', id: treeId.tenantQueue(t.tenant, key), key })),
      ...t.pools.map<TenantNode>((pool) => ({ kind: 'pool', id: treeId.tenantPool(t.tenant, pool), pool })),
    ];
  }

  getTreeItem(node: TenantNode): vscode.TreeItem {
    if (node.kind === 'message') return Object.assign(messageItem(node.text), { id: node.id });
    if (node.kind === 'tenant') {
      const t = node.tenant;
      const item = new vscode.TreeItem(t.tenant, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      const quota = t.quota ? ` · quota ${t.quota.usePct.toFixed(0)}% of ${t.quota.maxWorkers}` : '';
      const share = t.backlogShare.value === null ? '' : ` (${showFigure(t.backlogShare, (v) => `${Math.round(v)}%`)}${t.shareErrorPct >= 0.5 ? ` ±${Math.round(t.shareErrorPct)}` : ''} of backlog)`;
      const rate = t.throughput.value === null ? '' : ` · ${showFigure(t.throughput, (v) => `${v >= 10 ? Math.round(v) : v.toFixed(1)}/min`)}`;
      item.description = `${t.pending} pending${share} · ${t.workers} worker(s)${rate}${t.failed ? ` · ${t.failed} failed` : ''}${quota}`;
      item.tooltip = [`${t.tenant}`, `backlog share ${explainFigure(t.backlogShare, (v) => `${v.toFixed(1)}%`)}`, `throughput ${explainFigure(t.throughput, (v) => `${v.toFixed(1)}/min`)}`].join('\n');
      item.iconPath = new vscode.ThemeIcon(t.quota && t.quota.usePct >= 100 ? 'warning' : 'organization');
      item.contextValue = contextValue.tenant();
      return item;
    }
    const q = node.kind === 'queue' ? this.host.engine?.lastSignals()?.queues.find((x) => x.key === node.key) : undefined;
    const p = node.kind === 'pool' ? this.host.engine?.lastSignals()?.pools.find((x) => x.name === node.pool) : undefined;
    const item = new vscode.TreeItem(node.kind === 'queue' ? node.key : node.pool, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.iconPath = new vscode.ThemeIcon(node.kind === 'queue' ? 'inbox' : 'server-process');
    if (q) item.description = `${q.pending} pending · ${q.active} active · ${q.failed} failed`;
    if (p) item.description = `${p.running} running · ${p.restartsPerMin.toFixed(1)} restarts/min`;
    item.contextValue = contextValue.tenantChild(node.kind);
    return item;
  }
}
