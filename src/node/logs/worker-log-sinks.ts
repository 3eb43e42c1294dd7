// The spawner's side of per-pool log files: each worker's stdout and stderr, split into lines, go to
// the pool's RotatingLogFile (one writer per file, shared by the pool's workers). While a file is
// behind, every pipe that feeds it is paused; the worker then blocks on its own write, which bounds
// what Chaperone holds whatever a worker prints.
import type { Readable } from 'node:stream';
import { formatLogFileLine, logFileOf, type LogFileSpec } from '../../core/log-file-format';
import type { OutputStream } from '../../core/ports';
import { RotatingLogFile } from './rotating-log-file';
import { holdPipe, releasePipe } from './pipe-holds';

/** A line longer than this is written in pieces (as the worker's ring buffer does). */
const MAX_PARTIAL_LINE = 16 * 1024;

interface Source {
  pipe: Readable;
}

interface Shared {
  writer: RotatingLogFile;
  sources: Set<Source>;
  held: boolean;
}

export interface WorkerLog {
  /** Output as it arrives (any chunking). */
  write(stream: OutputStream, text: string): void;
  /** The worker is gone: its unfinished lines are written and it stops counting as a user. */
  end(): void;
}

export class WorkerLogSinks {
  private readonly files = new Map<string, Shared>();

  constructor(private readonly onError: (message: string) => void) {}

  attach(spec: LogFileSpec, workerId: string, pipes: Record<OutputStream, Readable | null>): WorkerLog {
    const attached: { shared: Shared; source: Source | undefined }[] = [];
    const partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
    const target: Partial<Record<OutputStream, Shared>> = {};
    for (const stream of ['stdout', 'stderr'] as const) {
      const shared = this.shared(logFileOf(spec, stream), spec);
      const pipe = pipes[stream];
      const source = pipe ? { pipe } : undefined;
      if (source) {
        shared.sources.add(source);
        if (shared.held && pipe) holdPipe(pipe, 'file');
      }
      attached.push({ shared, source });
      target[stream] = shared;
    }
    const put = (stream: OutputStream, text: string): void => target[stream]?.writer.write(formatLogFileLine(spec, Date.now(), workerId, stream, text));
    let ended = false;
    return {
      write(stream, text) {
        if (ended) return;
        let buf = partial[stream] + text;
        let nl: number;
        while ((nl = buf.indexOf('\n')) !== -1) {
          put(stream, buf.slice(0, nl).replace(/\r$/, ''));
          buf = buf.slice(nl + 1);
        }
        while (buf.length > MAX_PARTIAL_LINE) {
          put(stream, buf.slice(0, MAX_PARTIAL_LINE));
          buf = buf.slice(MAX_PARTIAL_LINE);
        }
        partial[stream] = buf;
      },
      end: () => {
        if (ended) return;
        ended = true;
        for (const s of ['stdout', 'stderr'] as const) if (partial[s]) put(s, partial[s]);
        for (const a of attached) {
          if (a.source) {
            a.shared.sources.delete(a.source);
            releasePipe(a.source.pipe, 'file');
          }
          if (a.shared.sources.size === 0) void this.release(a.shared);
        }
      },
    };
  }

  /** Everything on disk and every file closed (the spawner is exiting). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.files.values()].map((s) => s.writer.close()));
    this.files.clear();
  }

  private shared(file: string, spec: LogFileSpec): Shared {
    let s = this.files.get(file);
    if (s) return s;
    const created: Shared = {
      sources: new Set(),
      held: false,
      writer: new RotatingLogFile(
        file,
        { maxBytes: spec.maxBytes, keep: spec.keep },
        (hold) => {
          created.held = hold;
          for (const src of created.sources) {
            if (hold) holdPipe(src.pipe, 'file');
            else releasePipe(src.pipe, 'file');
          }
        },
        this.onError,
      ),
    };
    s = created;
    this.files.set(file, s);
    return s;
  }

  private async release(s: Shared): Promise<void> {
    await s.writer.flush();
    // Still unused once written out: close it (a new worker of the pool opens it again).
    if (s.sources.size === 0 && this.files.get(s.writer.file) === s) {
      this.files.delete(s.writer.file);
      await s.writer.close();
    }
  }
}
