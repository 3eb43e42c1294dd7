// The job handlers a source file defines, as the queue systems name them: a BullMQ processor
// (new Worker('queue', ...)), a Sidekiq job's perform, a Laravel job's handle, a Celery task. Plain
// text matching, line by line: enough to place a code lens, never used to run anything.

export type HandlerSite =
  | { line: number; system: 'bullmq'; queue: string }
  | { line: number; system: 'sidekiq' | 'laravel' | 'celery'; name: string };

const MAX_TEXT = 2_000_000;

export function handlersIn(text: string, languageId: string): HandlerSite[] {
  if (text.length > MAX_TEXT) return [];
  const lines = text.split(/\r?\n/);
  switch (languageId) {
    case 'javascript': case 'typescript': case 'javascriptreact': case 'typescriptreact':
      return bullmq(lines);
    case 'ruby': return sidekiq(lines);
    case 'php': return laravel(text, lines);
    case 'python': return celery(lines);
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
  if (!/\bimplements\b[^{]*\bShouldQueue\b/.test(text)) return [];
  const ns = /^\s*namespace\s+([\w\\]+)\s*;/m.exec(text)?.[1];
  const cls = /^\s*(?:final\s+|abstract\s+)?class\s+(\w+)/m.exec(text)?.[1];
  if (!cls) return [];
  const line = lines.findIndex((l) => /\bfunction\s+handle\s*\(/.test(l));
  return line < 0 ? [] : [{ line, system: 'laravel', name: ns ? `${ns}\\${cls}` : cls }];
}

function celery(lines: string[]): HandlerSite[] {
  const out: HandlerSite[] = [];
  let decorated = false;
  lines.forEach((l, line) => {
    if (/^@(?:\w+\.)*(?:task|shared_task)\b/.test(l)) decorated = true;
    else if (decorated) {
      const d = /^(?:async\s+)?def\s+(\w+)\s*\(/.exec(l);
      if (d) {
        out.push({ line, system: 'celery', name: d[1] });
        decorated = false;
      } else if (!/^@/.test(l) && l.trim() !== '') decorated = false;
    }
  });
  return out;
}
