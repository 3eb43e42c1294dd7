// What the three trees share: a TreeView whose refreshes are debounced and happen only while it is
// visible (a hidden view is refreshed once, when it is shown again), and nodes kept by id so a
// subtree can be refreshed on its own.
import { contextValue } from './tree-ids';
import * as vscode from 'vscode';

export const REFRESH_DEBOUNCE_MS = 200;

export abstract class VisibleTree<N extends { id: string }> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<N | N[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  readonly view: vscode.TreeView<N>;
  private pending: Set<N> | 'all' | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stale = false;
  /** Nodes by id: a node keeps its identity across refreshes, which is what refresh(node) needs. */
  protected readonly nodes = new Map<string, N>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(viewId: string, onVisibility: () => void) {
    this.view = vscode.window.createTreeView(viewId, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.emitter,
      this.view.onDidChangeVisibility((e) => {
        onVisibility();
        if (e.visible && this.stale) this.refresh();
      }),
    );
  }

  abstract getTreeItem(node: N): vscode.TreeItem;
  abstract getChildren(node?: N): vscode.ProviderResult<N[]>;

  /** Refresh a node's subtree (or everything), soon, once, and only if the view is visible. */
  refresh(node?: N): void {
    if (!this.view.visible) {
      this.stale = true;
      return;
    }
    if (!node || this.pending === 'all') this.pending = 'all';
    else {
      const set: Set<N> = this.pending ?? new Set<N>();
      set.add(node);
      this.pending = set;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const what = this.pending;
      this.pending = undefined;
      this.stale = false;
      if (what === 'all') this.emitter.fire(undefined);
      // One event for every changed row: one message to the workbench, not one per row.
      else if (what) this.emitter.fire([...what]);
    }, REFRESH_DEBOUNCE_MS);
  }

  /** The node with this id, updated in place (same object) or created. */
  protected node<T extends N>(id: string, make: () => T, update: (n: T) => void): T {
    const existing = this.nodes.get(id) as T | undefined;
    if (existing) {
      update(existing);
      return existing;
    }
    const n = make();
    this.nodes.set(id, n);
    return n;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.disposables.forEach((d) => d.dispose());
  }
}

export function messageItem(text: string, icon = 'info', tooltip?: string): vscode.TreeItem {
  const item = new vscode.TreeItem(text, vscode.TreeItemCollapsibleState.None);
  item.iconPath = new vscode.ThemeIcon(icon);
  item.contextValue = contextValue.message();
  if (tooltip) item.tooltip = tooltip;
  return item;
}
