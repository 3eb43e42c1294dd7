// File changes under a folder, for a pool's "watch": chokidar (inotify, FSEvents, ReadDirectoryChangesW
// under one API) on the globs' static folders only, never descending into ignored ones.
import { watch, type FSWatcher } from 'chokidar';
import * as path from 'node:path';

export interface FileWatch {
  close(): Promise<void>;
}

export function watchFiles(root: string, bases: readonly string[], opts: { ignoresFolder: (rel: string) => boolean; onChange: (rel: string) => void; onError: (message: string) => void }): FileWatch {
  const rel = (p: string): string => path.relative(root, p).split(path.sep).join('/');
  const watcher: FSWatcher = watch(bases.map((b) => path.resolve(root, b)), {
    ignoreInitial: true,
    // A folder that is ignored as a whole is never entered (node_modules, vendor, .git ...).
    ignored: (p, stats) => stats?.isDirectory() === true && p !== root && opts.ignoresFolder(rel(p)),
  });
  for (const ev of ['add', 'change', 'unlink'] as const) watcher.on(ev, (p: string) => opts.onChange(rel(p)));
  watcher.on('error', (err: unknown) => opts.onError(err instanceof Error ? err.message : String(err)));
  return { close: () => watcher.close() };
}
