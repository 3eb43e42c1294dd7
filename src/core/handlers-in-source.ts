// The job handlers a source file defines, as the queue systems name them: a BullMQ processor
// (new Worker('queue', ...)), a Sidekiq job's perform, a Laravel job's handle, a Celery task, an RQ
// function. Plain text matching, line by line: enough to place a code lens, never used to run anything.
// Where the source alone cannot say it is a job (any Python function can be an RQ job, a class with
// handle() can be queued as "Class@handle"), the site is a candidate: the lens shows it only once the
// queue system names a job of it (handlerMatches).

export type HandlerSite =
  | { line: number; system: 'bullmq'; queue: string }
  | { line: number; system: 'sidekiq'; name: string }
  /** A Celery task: named "module.function" unless its decorator names it otherwise. */
  | { line: number; system: 'celery'; name: string; module: string }
  /** declared: the class implements ShouldQueue; else a class with handle() that only a job's name can confirm. */
  | { line: number; system: 'laravel'; name: string; declared: boolean }
  /** A top-level function of module `module` (the file's name): RQ names its jobs "module.function". */
  | { line: number; system: 'rq'; name: string; module: string };

const MAX_TEXT = 2_000_000;

/** `fileName` (the file's base name) gives an RQ function its module. */
export function handlersIn(text: string, languageId: string, fileName = ''): HandlerSite[] {
  if (text.length > MAX_TEXT) return [];
  const lines = text.split(/\r?\n/);
  switch (languageId) {
    case 'javascript': case 'typescript': case 'javascriptreact': case 'typescriptreact':
      return bullmq(lines);
    case 'ruby': return sidekiq(lines);
    case 'php': return laravel(text, lines);
    case 'python': return python(lines, fileName.replace(/\.py$/, ''));
    default: return [];
  }
}

function bullmq(lines: string[]): HandlerSite[] {
  const out: HandlerSite[] = [];
  lines.forEach((l, line) => {
    for (const m of l.matchAll(/\bnew\s+Worker\s*(?:<[^>]*>)?\s*\(\s*(['"`])([^'"`$]{1,200})\1/g)) out.push({ line, system: 'bullmq', queue: m[2] });
  });
  return out;
}

function sidekiq(lines: string[]): HandlerSite[] {
  const out: HandlerSite[] = [];
  let cls: string | undefined;
  let isJob = false;
  lines.forEach((l, line) => {
    const c = /^\s*class\s+([A-Z][\w:]*)/.exec(l);
    if (c) {
      cls = c[1];
      isJob = false;
    }
    if (/^\s*include\s+Sidekiq::(Job|Worker)\b/.test(l)) isJob = true;
    if (cls && isJob && /^\s*def\s+perform\b/.test(l)) out.push({ line, system: 'sidekiq', name: cls });
  });
  return out;
}

function laravel(text: string, lines: string[]): HandlerSite[] {
  const ns = /^\s*namespace\s+([\w\\]+)\s*;/m.exec(text)?.[1];
  const out: HandlerSite[] = [];
  let cls: { name: string; declared: boolean; seen: boolean } | undefined;
  lines.forEach((l, line) => {
    const c = /^\s*(?:final\s+|abstract\s+|readonly\s+)*class\s+(\w+)([^{]*)/.exec(l);
    if (c) cls = { name: ns ? `${ns}\\${c[1]}` : c[1], declared: /\bimplements\b.*\bShouldQueue\b/.test(c[2]), seen: false };
    if (cls && !cls.seen && /\bfunction\s+handle\s*\(/.test(l)) {
      cls.seen = true;
      out.push({ line, system: 'laravel', name: cls.name, declared: cls.declared });
    }
  });
  return out;
}

/** Celery tasks (decorated), and every other top-level function as an RQ candidate. */
function python(lines: string[], module: string): HandlerSite[] {
  const out: HandlerSite[] = [];
  let decorated = false;
  let task = false;
  lines.forEach((l, line) => {
    if (/^@/.test(l)) {
      decorated = true;
      if (/^@(?:\w+\.)*(?:task|shared_task)\b/.test(l)) task = true;
      return;
    }
    const d = /^(?:async\s+)?def\s+(\w+)\s*\(/.exec(l);
    if (d) {
      if (task) out.push({ line, system: 'celery', name: d[1], module });
      else if (!decorated && module) out.push({ line, system: 'rq', name: d[1], module });
    }
    if (d || l.trim() !== '') decorated = task = false;
  });
  return out;
}

/** A handler whose failed jobs the system keeps by name (all but BullMQ's, which are counted per queue). */
export type NamedHandler = Exclude<HandlerSite, { system: 'bullmq' }>;

/** Whether a job the system names so runs this handler. */
export function handlerMatches(site: NamedHandler, jobName: string): boolean {
  // Sidekiq names a job by its class (an ActiveJob by the class it wraps).
  if (site.system === 'sidekiq') return jobName === site.name;
  if (site.system === 'rq' || site.system === 'celery') {
    // "tasks.send" or "app.tasks.send": the function, in a module of the file's name (RQ; Celery's default task name).
    const dot = jobName.lastIndexOf('.');
    return jobName.slice(dot + 1) === site.name && jobName.slice(0, Math.max(0, dot)).split('.').pop() === site.module;
  }
  // Horizon and Laravel name a job by its class (displayName), "Class@handle" for a plain job.
  const bare = jobName.replace(/@handle$/, '').replace(/^\\/, '');
  return bare === site.name || bare === site.name.split('\\').pop();
}
