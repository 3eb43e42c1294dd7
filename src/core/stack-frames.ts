// Stack traces of the five systems' languages read as frames, innermost (where it was thrown)
// first: Node (BullMQ's `stacktrace`), Python (RQ's and Celery's tracebacks), Ruby (Sidekiq's
// `error_backtrace`) and PHP (Laravel's and Horizon's exception text). Each frame keeps where its
// file and line are written in the trace, so an editor can make that text a link.

export interface StackFrame {
  /** As the trace names it: an absolute path on the machine that ran the job, or relative. */
  file: string;
  /** 1-based. */
  line: number;
  /** The function or method, where the trace names it. */
  fn: string | null;
  /** Where "file" and its line are written in the trace: the trace's line (0-based) and the columns [start, end). */
  at: { line: number; start: number; end: number };
}

type Match = { file: string; line: number; fn: string | null; start: number; end: number; python: boolean };

// Node: "    at fn (file:12:5)", "    at file:12:5", "    at async fn (file:///x.mjs:3:1)".
const NODE_CALL = /^(\s*at (?:async )?)(.+?) \((.+?):(\d+):\d+\)\s*$/;
const NODE_BARE = /^(\s*at (?:async )?)((?:file:\/\/)?[^\s()]+?):(\d+):\d+\s*$/;
// Python: '  File "/app/tasks.py", line 12, in send'.
const PYTHON = /^(\s*File ")(.+?)", line (\d+)(?:, in (.+))?$/;
// Ruby: "/app/jobs/mail_job.rb:12:in `perform'" or "…:in 'MailJob#perform'" (Ruby 3.4).
const RUBY = /^(\s*)((?:[A-Za-z]:)?[^\s:]+?):(\d+):in [`'](.+?)'\s*$/;
// PHP: "#0 /var/www/app/Jobs/Mail.php(12): App\Jobs\Mail->handle()", and the throw site on the
// exception's own line: "Exception: boom in /var/www/app/Jobs/Mail.php:12".
const PHP_FRAME = /^(\s*#\d+ )((?:\/|[A-Za-z]:\\)[^(]+)\((\d+)\): (.+)$/;
const PHP_THROWN = /^(.*? in )((?:\/|[A-Za-z]:\\)\S+?):(\d+)\s*$/;

function matchLine(text: string): Match | undefined {
  let m = NODE_CALL.exec(text);
  if (m) return { file: m[3], line: Number(m[4]), fn: m[2], start: text.indexOf(m[3], m[1].length + m[2].length), end: 0, python: false };
  m = NODE_BARE.exec(text);
  if (m) return { file: m[2], line: Number(m[3]), fn: null, start: m[1].length, end: 0, python: false };
  m = PYTHON.exec(text);
  if (m) return { file: m[2], line: Number(m[3]), fn: m[4]?.trim() ?? null, start: m[1].length, end: 0, python: true };
  m = PHP_FRAME.exec(text);
  if (m) return { file: m[2], line: Number(m[3]), fn: m[4].trim(), start: m[1].length, end: 0, python: false };
  m = RUBY.exec(text);
  if (m) return { file: m[2], line: Number(m[3]), fn: m[4], start: m[1].length, end: 0, python: false };
  m = PHP_THROWN.exec(text);
  if (m) return { file: m[2], line: Number(m[3]), fn: null, start: m[1].length, end: 0, python: false };
  return undefined;
}

/** Files that are no place in anyone's code: the runtime's own. */
function isInternal(file: string): boolean {
  return /^(node:|internal\/|<|\[)/.test(file) || file === 'native';
}

/** The frames of a trace, innermost first (a Python traceback lists them outermost first: reversed). */
export function parseFrames(trace: string): StackFrame[] {
  const out: StackFrame[] = [];
  let python = false;
  const lines = trace.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].replace(/\r$/, '');
    const m = matchLine(text);
    if (!m || !Number.isSafeInteger(m.line) || m.line < 1 || isInternal(m.file)) continue;
    python ||= m.python;
    // The link covers the file and its line as written ("x.js:12", "x.py", line 12 is the file alone).
    const written = m.python ? m.file.length : text.indexOf(String(m.line), m.start + m.file.length) + String(m.line).length - m.start;
    const file = m.file.startsWith('file://') ? fileUrlPath(m.file) : m.file;
    out.push({ file, line: m.line, fn: m.fn, at: { line: i, start: m.start, end: m.start + Math.max(m.file.length, written) } });
  }
  return python ? out.reverse() : out;
}

/** file:///app/x.mjs -> /app/x.mjs (percent-escapes undone); a malformed URL is kept as written. */
function fileUrlPath(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return url;
  }
}
