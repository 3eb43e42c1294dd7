// Reading a pool's log files back (`chaperone logs POOL --files`): the last N lines across the
// current file and its rotated ones, and a follow that survives rotations. Reads go backwards from
// the end in bounded chunks, so a 10 GB history costs what the lines asked for.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { logFileOf, parseLogFileLine, type FileLogLine, type LogFileSpec } from '../../core/log-file-format';
import { rotatedFiles } from './rotating-log-file';

const CHUNK = 64 * 1024;

/** The last `count` lines of a log (file, file.1, ... newest first until enough). */
export async function tailLogFile(file: string, keep: number, count: number): Promise<string[]> {
  const out: string[] = [];
  for (const f of rotatedFiles(file, keep).reverse()) {
    if (out.length >= count) break;
    const lines = await lastLines(f, count - out.length);
    out.unshift(...lines);
  }
  return out.slice(-count);
}

/** The last lines of both streams of a pool's log, in time order where the lines carry one. */
export async function tailPoolLog(spec: LogFileSpec, count: number): Promise<FileLogLine[]> {
  const files = [...new Set([logFileOf(spec, 'stdout'), logFileOf(spec, 'stderr')])];
  const per = await Promise.all(files.map(async (f) => (await tailLogFile(f, spec.keep, count)).map(parseLogFileLine)));
  if (per.length === 1) return per[0];
  // Two files: merge by time (stable, so lines of the same millisecond keep their file order).
  const all = per.flatMap((lines, fi) => lines.map((l, i) => ({ l, fi, i })));
  all.sort((a, b) => (a.l.at ?? 0) - (b.l.at ?? 0) || a.fi - b.fi || a.i - b.i);
  return all.slice(-count).map((x) => x.l);
}

async function lastLines(file: string, count: number): Promise<string[]> {
  let h: FileHandle;
  try {
    h = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    let end = (await h.stat()).size;
    let tail = Buffer.alloc(0);
    let lines: string[] = [];
    while (end > 0) {
      const start = Math.max(0, end - CHUNK);
      const b = Buffer.alloc(end - start);
      await h.read(b, 0, b.length, start);
      tail = Buffer.concat([b, tail]);
      end = start;
      // Cut at a newline so a multi-byte character is never split; the first piece may be partial.
      lines = linesOf(tail.toString('utf8'));
      if (lines.length > count) break;
    }
    return lines.slice(-count);
  } finally {
    await h.close();
  }
}

/**
 * Calls onLine for every line added to the log from now on, across rotations: the open handle
 * still reads the renamed file to its end before the new file is opened. Returns a stop function.
 */
export function followLogFile(file: string, keep: number, onLine: (line: string) => void, onError: (message: string) => void, pollMs = 250): () => void {
  let h: FileHandle | undefined;
  let ino = -1;
  let offset = 0;
  let partial = '';
  let stopped = false;
  let first = true;
  let timer: NodeJS.Timeout | undefined;
  const readToEnd = async (): Promise<void> => {
    if (!h) return;
    const b = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await h.read(b, 0, CHUNK, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      const text = partial + b.subarray(0, bytesRead).toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) onLine(p);
    }
  };
  const reopen = async (fromEnd: boolean): Promise<void> => {
    await h?.close();
    h = undefined;
    try {
      h = await open(file, 'r');
      const st = await h.stat();
      ino = st.ino;
      offset = fromEnd ? st.size : 0;
      partial = '';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
  /** The file followed to its end before a rotation, while the current one could not be opened yet. */
  let rotatedFrom: number | undefined;
  /** After a rotation, once the current file is open: the rotated files between it and ours. */
  const catchUp = async (): Promise<void> => {
    if (!h || rotatedFrom === undefined) return;
    const from = rotatedFrom;
    rotatedFrom = undefined;
    for (const l of await linesBetween(file, keep, from, ino)) onLine(l);
  };
  const tick = async (): Promise<void> => {
    try {
      // Only the file as it is now is skipped: one that appears later is read from its start.
      if (!h) await reopen(first);
      first = false;
      await catchUp();
      await readToEnd();
      const st = await stat(file).catch(() => undefined);
      if (st && st.ino !== ino) {
        // Rotated, maybe more than once since the last look. The rest of ours first (its handle
        // still reads it); then the current file is opened, and only then are the files between
        // the two found and read whole, oldest first. Found before the current file was opened, a
        // rotation in between moved a whole file past the follower: its lines were lost.
        await readToEnd();
        if (partial) onLine(partial);
        partial = '';
        // Between the writer's rename and its new file there is no current file: the catch-up
        // then waits for the next look.
        rotatedFrom = ino;
        await reopen(false);
        await catchUp();
        await readToEnd();
      } else if (st && st.size < offset) await reopen(false); // truncated in place
    } catch (err) {
      onError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!stopped) timer = setTimeout(() => void tick(), pollMs);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    void h?.close();
  };
}

/**
 * The lines of the rotated files between two, by inode (`older` was followed to its end, `newer` is
 * open), oldest first. The numbered files shift at every rotation: they are listed until two
 * listings agree, and each is read through a handle that is checked to hold the file listed; should
 * a rotation move them meanwhile, the whole is done again (a failure is said, never a silent gap).
 */
async function linesBetween(file: string, keep: number, older: number, newer: number): Promise<string[]> {
  const list = (): Promise<number[]> => Promise.all(Array.from({ length: keep }, (_, i) => stat(`${file}.${i + 1}`).then((s) => s.ino, () => -1)));
  for (let attempt = 0; attempt < 100; attempt++) {
    // While the writer is still rotating, the look waits a moment before it is taken again (taken
    // back to back, ten looks could all fall within one burst of rotations).
    if (attempt > 0) await new Promise((r) => setTimeout(r, 5));
    const inos = await list();
    if ((await list()).some((x, i) => x !== inos[i])) continue;
    // Places 1..keep; the newer one still current is at 0, an older one gone from the list is past the last.
    const newerAt = inos.indexOf(newer) + 1;
    const olderAt = inos.indexOf(older) + 1 || keep + 1;
    const out: string[] = [];
    let moved = false;
    for (let i = olderAt - 1; i > newerAt && !moved; i--) {
      const h = await open(`${file}.${i}`, 'r').catch(() => undefined);
      if (!h) {
        moved = true;
        break;
      }
      try {
        if ((await h.stat()).ino !== inos[i - 1]) moved = true;
        else out.push(...linesOf(await h.readFile('utf8')));
      } finally {
        await h.close();
      }
    }
    if (!moved) return out;
  }
  throw new Error(`its rotated files kept moving for 0.5 s; the lines between two of them are not shown`);
}

function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

