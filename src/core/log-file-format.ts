// How a worker's line is written to a pool's log file, and read back by `chaperone logs --files`:
// "2026-12-02T17:10:00.123Z emails-1 stderr the text". With timestamps off a line is the worker's own
// text, as supervisord writes it, and reads back with no time or worker.
import type { LogFileSpec, OutputStream } from './ports';

export type { LogFileSpec } from './ports';

export interface FileLogLine {
  at: number | null;
  worker: string | null;
  stream: OutputStream | null;
  text: string;
}

export function formatLogFileLine(spec: Pick<LogFileSpec, 'timestamps'>, at: number, worker: string, stream: OutputStream, text: string): string {
  return spec.timestamps ? `${new Date(at).toISOString()} ${worker} ${stream} ${text}\n` : `${text}\n`;
}

const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (stdout|stderr) (.*)$/s;

export function parseLogFileLine(line: string): FileLogLine {
  const m = STAMPED.exec(line);
  if (!m) return { at: null, worker: null, stream: null, text: line };
  return { at: Date.parse(m[1]), worker: m[2], stream: m[3] as OutputStream, text: m[4] };
}

/** The file a stream of a worker goes to. */
export function logFileOf(spec: LogFileSpec, stream: OutputStream): string {
  return stream === 'stderr' && spec.stderrFile ? spec.stderrFile : spec.file;
}
