// The dashboard's past across window reloads: the series it draws (the deepest queues' depth and
// wait, each system's throughput, the pools' CPU and memory, the host) saved to the workspace's
// storage every 30 s and when the window closes or reloads, and read back into the engine after its
// first tick (its queues exist then). Bounded: at most MAX_QUEUES queues, the day at its hourly and
// the last hour at its per-minute points (what the dashboard draws). Async file I/O only (the loop
// is the editor's), on the extension host's own disk: during a reload the workbench is going away,
// and a write through it would never finish.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Engine } from '../engine';
import { deepestQueues } from './figures';

const FILE = 'chaperone-history.json';
const SAVE_EVERY_MS = 30_000;
const MAX_QUEUES = 50;
/** Series read and encoded per turn of the loop. */
const SERIES_PER_TURN = 8;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Saved {
  version: 1;
  at: number;
  series: Record<string, [number, number][]>;
}

export class HistoryStore {
  private restoredFor: Engine | undefined;
  private lastSave = 0;
  private saving: Promise<void> | undefined;

  constructor(
    private readonly dir: vscode.Uri | undefined,
    private readonly log: (message: string) => void,
  ) {}

  /** After each tick: the first one of an engine reads the saved past back; then a save every minute. */
  async afterTick(engine: Engine, now = Date.now()): Promise<void> {
    if (!this.dir) return;
    if (this.restoredFor !== engine) {
      this.restoredFor = engine;
      this.lastSave = now;
      await this.restore(engine, now);
      return;
    }
    if (now - this.lastSave >= SAVE_EVERY_MS) await this.save(engine, now);
  }

  /** Writes the series now (also on deactivate: a reload keeps the last minute). */
  save(engine: Engine | undefined, now = Date.now()): Promise<void> {
    if (!this.dir || !engine) return Promise.resolve();
    this.lastSave = now;
    this.saving ??= this.write(engine, now).finally(() => (this.saving = undefined));
    return this.saving;
  }

  private async write(engine: Engine, now: number): Promise<void> {
    const dir = this.dir as vscode.Uri;
    const s = engine.lastSignals();
    const queues = deepestQueues(s?.queues ?? [], MAX_QUEUES);
    const names = [
      ...queues.flatMap((q) => [`queue:${q.key}:depth`, `queue:${q.key}:wait`]),
      ...(s?.systems ?? []).map((x) => `system:${x.key}:throughput`),
      ...(s?.pools ?? []).flatMap((p) => [`pool:${p.name}:cpu`, `pool:${p.name}:memory`]),
      'host:cpu', 'host:memory',
    ];
    // Read and encoded a few series per turn of the loop: the whole file is a megabyte of JSON,
    // whose one-go JSON.stringify would block the editor's loop for many milliseconds.
    const parts: string[] = [];
    for (let i = 0; i < names.length; i += SERIES_PER_TURN) {
      if (i > 0) await new Promise((r) => setImmediate(r));
      for (const name of names.slice(i, i + SERIES_PER_TURN)) {
        // The day at 5 min (older than an hour), then the hour at 10 s: oldest first, no overlap.
        const day = engine.history(name, now - DAY, now - HOUR, 288)?.points ?? [];
        const hour = engine.history(name, now - HOUR + 1, now, 360)?.points ?? [];
        const points = [...day, ...hour].map((p): [number, number] => [p.t, +p.avg.toPrecision(6)]);
        if (points.length) parts.push(`${JSON.stringify(name)}:${JSON.stringify(points)}`);
      }
    }
    const json = `{"version":1,"at":${now},"series":{${parts.join(',')}}}`;
    try {
      if (dir.scheme === 'file') {
        await mkdir(dir.fsPath, { recursive: true });
        await writeFile(path.join(dir.fsPath, FILE), json);
      } else {
        await vscode.workspace.fs.createDirectory(dir);
        await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, FILE), Buffer.from(json));
      }
    } catch (err) {
      this.log(`history not saved: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async restore(engine: Engine, now: number): Promise<void> {
    let saved: Saved;
    try {
      const dir = this.dir as vscode.Uri;
      const raw = dir.scheme === 'file' ? await readFile(path.join(dir.fsPath, FILE), 'utf8') : Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, FILE))).toString('utf8');
      saved = JSON.parse(raw) as Saved;
    } catch {
      return; // nothing saved yet (or unreadable: the charts start from now)
    }
    if (saved?.version !== 1 || typeof saved.series !== 'object' || saved.series === null) return;
    let restored = 0;
    for (const [name, points] of Object.entries(saved.series)) {
      if (!Array.isArray(points)) continue;
      const valid = points.filter((p): p is [number, number] => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]) && p[0] < now && p[0] > now - DAY);
      if (valid.length === 0) continue;
      engine.restoreHistory(name, valid.map(([t, v]) => ({ t, v })));
      restored++;
    }
    if (restored) this.log(`history: ${restored} series read back from the last session`);
  }
}
