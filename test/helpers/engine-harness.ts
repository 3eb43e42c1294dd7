// Builds a real Engine (real spawner, real processes, real pidusage) from a config object.
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigText } from '../../src/core/config/parse-config';
import type { AuditEntry, Logger } from '../../src/core/ports';
import type { Worker } from '../../src/core/worker';
import { Engine } from '../../src/engine';
import { SPAWNER } from './paths';

export interface Harness {
  engine: Engine;
  dir: string;
  audit: AuditEntry[];
  logs: string[];
  workers(pool: string): Worker[];
  running(pool: string): Worker[];
}

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'chaperone-test-'));
}

export async function startEngine(config: object, opts: { redisUrl?: string; id?: string; dir?: string; runtimeDir?: string; signals?: { intervalMs: number; metrics?: { host: string; port: number } }; beforeStart?: (engine: Engine) => void; notify?: boolean } = {}): Promise<Harness> {
  const dir = opts.dir ?? tempDir();
  const file = path.join(dir, 'chaperone.json');
  const text = JSON.stringify(config, null, 2);
  writeFileSync(file, text);
  const { config: parsed } = parseConfigText(text, file);
  const logs: string[] = [];
  const logger: Logger = {
    info: (m) => logs.push(`info ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  };
  const engine = new Engine({
    config: parsed,
    logger,
    spawnerPath: SPAWNER,
    controlPlane: opts.redisUrl !== undefined,
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
    supervisorId: opts.id ?? `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    ...(opts.signals ? { signals: opts.signals } : {}),
    ...(opts.runtimeDir ? { runtimeDir: opts.runtimeDir } : {}),
    ...(opts.notify ? { notify: true } : {}),
  });
  const audit: AuditEntry[] = [];
  engine.addAuditSink({ record: (e) => audit.push(e) });
  opts.beforeStart?.(engine); // e.g. listen to the first tick
  await engine.start();
  const pool = (name: string) => {
    const p = engine.supervisor.pools.get(name);
    if (!p) throw new Error(`no pool ${name}`);
    return p;
  };
  return {
    engine,
    dir,
    audit,
    logs,
    workers: (name) => pool(name).workers,
    running: (name) => pool(name).workers.filter((w) => w.state === 'running'),
  };
}

export function node(script: string, ...args: string[]): string[] {
  return [process.execPath, script, ...args];
}
