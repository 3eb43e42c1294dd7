// Redis passwords in SecretStorage, keyed by the profile's name AND where it points: a workspace
// that renames another host to the same profile name does not get the password sent there.
import * as vscode from 'vscode';
import type { ConnectionConfig } from '../core/config/types';
import { redactUrl, type CredentialSource } from '../node/redis-connection';

export function secretKey(c: Pick<ConnectionConfig, 'name' | 'url' | 'sentinel' | 'cluster'>): string {
  const where = c.cluster
    ? `cluster:${c.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`
    : c.sentinel ? `sentinel:${c.sentinel.masterName}@${c.sentinel.sentinels.map((n) => `${n.host}:${n.port}`).join(',')}` : redactUrl(c.url);
  return `chaperone.redis.password:${c.name}:${where}`;
}

export class SecretStore {
  /** Read before connecting: ioredis wants the password synchronously. */
  private readonly cache = new Map<string, string>();
  private enabled = false;

  constructor(private readonly storage: vscode.SecretStorage) {}

  /** The engine's credentials port: a stored password, only while the workspace is trusted. */
  readonly credentials: CredentialSource = (name) => {
    if (!this.enabled) return undefined;
    const password = this.cache.get(name);
    return password ? { password } : undefined;
  };

  /** Loads the passwords of these connections into memory (connection name -> password). */
  async load(connections: readonly ConnectionConfig[]): Promise<void> {
    this.cache.clear();
    for (const c of connections) {
      const p = await this.storage.get(secretKey(c));
      if (p) this.cache.set(c.name, p);
    }
  }

  enable(on: boolean): void {
    this.enabled = on;
  }

  async set(c: ConnectionConfig, password: string): Promise<void> {
    await this.storage.store(secretKey(c), password);
    this.cache.set(c.name, password);
  }

  async delete(c: ConnectionConfig): Promise<void> {
    await this.storage.delete(secretKey(c));
    this.cache.delete(c.name);
  }

  has(name: string): boolean {
    return this.cache.has(name);
  }

  dispose(): void {
    this.cache.clear();
    this.enabled = false;
  }
}
