// Which pool a pool command acts on (a tree node, {pool}, or a quick pick), and the route to it:
// this editor's supervisor directly, another one through the Redis control plane.
import * as vscode from 'vscode';
import type { CommandResult, PoolAction } from '../../core/commands';
import type { EngineHost } from '../engine-host';
import { UserFacingError, requireTrust } from '../trust';
import type { WorkerNode } from '../views/workers-tree';

export interface PoolTarget {
  supervisor: string;
  pool: string;
  own: boolean;
  /** The worker, for logs. */
  worker?: string;
}

export interface PoolArgs {
  pool?: string;
  supervisor?: string;
  count?: number;
  /** Skip the confirmation (tests, scripted use). */
  yes?: boolean;
}

export function isPoolArgs(a: unknown): a is PoolArgs {
  return typeof a === 'object' && a !== null && typeof (a as PoolArgs).pool === 'string';
}

export async function pickPool(host: EngineHost, arg: unknown, title: string): Promise<PoolTarget | undefined> {
  const own = host.engine;
  if (arg && typeof arg === 'object' && 'kind' in arg) {
    const n = arg as WorkerNode;
    if (n.kind === 'pool') return { supervisor: n.supervisor, pool: n.pool.name, own: n.own };
    if (n.kind === 'worker') return { supervisor: n.supervisor, pool: n.pool, own: n.own, worker: n.worker.id };
  }
  if (isPoolArgs(arg)) {
    const sup = arg.supervisor ?? own?.id;
    const isOwn = !!own && sup === own.id;
    const names = own?.config.pools.map((p) => p.name) ?? [];
    if (isOwn && !names.includes(arg.pool ?? '')) throw new UserFacingError(`No pool "${arg.pool}" in chaperone.json (pools: ${names.join(', ') || 'none'})`);
    return { supervisor: sup ?? '', pool: arg.pool ?? '', own: isOwn };
  }
  const items: (vscode.QuickPickItem & { target: PoolTarget })[] = [];
  if (own) for (const p of own.snapshot().pools) items.push({ label: p.name, description: `${p.state} · ${p.workers.length} worker(s)`, detail: 'this editor', target: { supervisor: own.id, pool: p.name, own: true } });
  for (const s of host.others) for (const p of s.snapshot?.pools ?? []) items.push({ label: p.name, description: `${p.state} · ${p.workers.length} worker(s)`, detail: `supervisor ${s.id}`, target: { supervisor: s.id, pool: p.name, own: false } });
  if (!items.length) throw new UserFacingError('No pools: add one to chaperone.json ("pools").');
  return (await vscode.window.showQuickPick(items, { title, placeHolder: 'Pool' }))?.target;
}

/** Runs an action on the target's supervisor (the engine's one way to act) and returns its final result (errors become UserFacingError). */
export async function runPoolVerb(host: EngineHost, t: PoolTarget, action: PoolAction, onProgress?: (r: CommandResult) => void): Promise<CommandResult> {
  if (action.verb !== 'logs') requireTrust(`${action.verb} of pool ${t.pool}`);
  const engine = host.engine;
  if (!engine) throw new UserFacingError(host.startError ?? 'Chaperone is not running');
  const r = await engine.poolActions.act({ supervisor: t.supervisor, pool: t.pool }, action, onProgress ? { onProgress } : {});
  if (!r.ok) throw new UserFacingError(r.message);
  return r;
}
