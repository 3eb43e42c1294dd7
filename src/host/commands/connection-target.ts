import * as vscode from 'vscode';
import type { ConnectionConfig } from '../../core/config/types';
import { redactUrl } from '../../node/redis-connection';
import type { EngineHost } from '../engine-host';
import { UserFacingError } from '../trust';

export async function pickConnection(host: EngineHost, arg: unknown, title: string): Promise<ConnectionConfig | undefined> {
  const all = host.engine?.config.connections ?? host.loaded?.config?.connections ?? [];
  const name = typeof arg === 'object' && arg !== null && 'name' in arg && typeof (arg as { name: unknown }).name === 'string' ? (arg as { name: string }).name
    : typeof arg === 'object' && arg !== null && typeof (arg as { connection?: unknown }).connection === 'string' ? (arg as { connection: string }).connection : undefined;
  if (name) {
    const c = all.find((x) => x.name === name);
    if (!c) throw new UserFacingError(`No connection "${name}" in chaperone.json (connections: ${all.map((x) => x.name).join(', ') || 'none'})`);
    return c;
  }
  if (!all.length) throw new UserFacingError('No connection: create chaperone.json first');
  const pick = await vscode.window.showQuickPick(all.map((c) => ({ label: c.name, description: `${describe(c)}${c.readOnly ? ' · read-only' : ''}`, c })), { title });
  return pick?.c;
}

export function describe(c: ConnectionConfig): string {
  return c.cluster ? `cluster ${c.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}` : c.sentinel ? `sentinel ${c.sentinel.masterName}` : redactUrl(c.url);
}
