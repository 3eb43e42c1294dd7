// One log file on disk, rotated by size with a kept count (supervisord's stdout_logfile_maxbytes and
// _backups, pm2-logrotate): "emails.log" is written, "emails.log.1" is the newest full one, up to
// "emails.log.<keep>". Lines are written whole, so a rotation never cuts one in two and none is lost:
// a line that does not fit in what is left of the file opens the next file. Writes are async and
// sequential; what waits in memory is bounded, and past the bound the writers are told to hold off
// (the spawner pauses the workers' pipes, so a worker flooding its output blocks on its own write
// instead of growing our memory).
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

export interface RotationPolicy {
  /** Largest size of one file, in bytes. */
  maxBytes: number;
  /** Rotated files kept beside the current one. */
  keep: number;
}

/** Above this much waiting to be written, sources are paused; below LOW_WATER they resume. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

export class RotatingLogFile {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private handle: FileHandle | undefined;
  private size = 0;
  private running: Promise<void> | undefined;
  private held = false;
  /** The last write error, reported once per kind rather than per line. */
  private failed: string | undefined;

  constructor(
    readonly file: string,
    private readonly policy: RotationPolicy,
    /** true: stop sending lines for now; false: go on. */
    private readonly onPressure: (hold: boolean) => void,
    private readonly onError: (message: string) => void,
  ) {}

  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** A whole line, its newline included. */
  write(line: string): void {
    const b = Buffer.from(line, 'utf8');
    this.queue.push(b);
    this.queuedBytes += b.length;
    if (!this.held && this.queuedBytes > HIGH_WATER) {
      this.held = true;
      this.onPressure(true);
    }
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves when everything written so far is on disk. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    await this.flush();
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      try {
        if (!this.handle) await this.openFile();
        const h = this.handle as FileHandle;
        const room = this.policy.maxBytes - this.size;
        const parts: Buffer[] = [];
        let bytes = 0;
        // A line longer than a whole file goes alone into a fresh one rather than nowhere.
        while (this.queue.length && (bytes + this.queue[0].length <= room || (bytes === 0 && this.size === 0))) {
          const b = this.queue.shift() as Buffer;
          parts.push(b);
          bytes += b.length;
        }
        if (parts.length === 0) {
          await this.rotate();
          continue;
        }
        await writeAll(h, parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes));
        this.size += bytes;
        this.queuedBytes -= bytes;
        this.failed = undefined;
      } catch (err) {
        // The disk is full or the folder went away: drop what waits (bounded), say so, try again later.
        const message = `cannot write ${this.file}: ${err instanceof Error ? err.message : String(err)}`;
        if (message !== this.failed) this.onError(message);
        this.failed = message;
        this.queue = [];
        this.queuedBytes = 0;
        await this.handle?.close().catch(() => undefined);
        this.handle = undefined;
      }
      if (this.held && this.queuedBytes < LOW_WATER) {
        this.held = false;
        this.onPressure(false);
      }
    }
  }

  private async openFile(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const h = await open(this.file, 'a', 0o640);
    this.size = (await h.stat()).size;
    this.handle = h;
  }

  /** file -> file.1 -> ... -> file.<keep>; the oldest falls off. */
  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const { keep } = this.policy;
    if (keep === 0) await unlink(this.file).catch(ignoreMissing);
    else {
      await unlink(`${this.file}.${keep}`).catch(ignoreMissing);
      for (let i = keep - 1; i >= 1; i--) await rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(ignoreMissing);
      await rename(this.file, `${this.file}.1`).catch(ignoreMissing);
    }
    this.size = 0;
  }
}

async function writeAll(h: FileHandle, b: Buffer): Promise<void> {
  let off = 0;
  while (off < b.length) off += (await h.write(b, off, b.length - off)).bytesWritten;
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

/** The files of a log, oldest first: file.<keep> ... file.1, file. */
export function rotatedFiles(file: string, keep: number): string[] {
  const out: string[] = [];
  for (let i = keep; i >= 1; i--) out.push(`${file}.${i}`);
  out.push(file);
  return out;
}
