// The pools' "watch": a file watcher per pool that has one, each change judged by the pool's
// WatchRestart, whose restart is the supervisor's own rolling restart (audited, actor "watch").
import * as path from 'node:path';
import type { ChaperoneConfig } from '../core/config/types';
import type { Logger } from '../core/ports';
import type { Supervisor } from '../core/supervisor';
import { WatchRestart } from '../core/watch-restart';
import { watchFiles, type FileWatch } from './file-watcher';
import { systemClock } from './system-clock';

export function startPoolWatchers(config: ChaperoneConfig, supervisor: Supervisor, logger: Logger): { close(): Promise<void> } {
  const root = path.dirname(path.resolve(config.file));
  const parts: { restart: WatchRestart; files: FileWatch }[] = [];
  let seq = 0;
  for (const p of config.pools) {
    if (!p.watch) continue;
    const restart = new WatchRestart(p.name, p.watch, {
      clock: systemClock, logger,
      restart: async (files) => {
        const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? ` and ${files.length - 3} more` : '');
        logger.info(`pool ${p.name}: ${shown} changed; rolling restart`);
        const now = Date.now();
        const r = await supervisor.execute({ id: `watch-${process.pid}-${++seq}`, verb: 'restart', pool: p.name, actor: 'watch', sentAt: now, deadline: now + 3_600_000 });
        if (!r.ok) logger.warn(`pool ${p.name}: restart after a change: ${r.message}`);
      },
    });
    const files = watchFiles(root, WatchRestart.bases(p.watch), {
      ignoresFolder: (rel) => restart.ignoresFolder(rel),
      onChange: (rel) => restart.changed(rel),
      onError: (m) => logger.warn(`pool ${p.name}: watching files: ${m}`),
    });
    parts.push({ restart, files });
  }
  return {
    async close() {
      for (const x of parts) x.restart.dispose();
      await Promise.all(parts.map((x) => x.files.close()));
    },
  };
}
