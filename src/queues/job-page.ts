// One job as a readable page (`chaperone job`, the editor's job document): the facts first, one
// per line, then the error and its whole trace, the payload (pretty-printed when it is JSON), the
// result and the job's own logs.
import { formatDuration } from '../core/units';
import type { JobDetail } from './contract';

function when(ms: number | null, now: number): string {
  if (ms === null) return '-';
  const d = now - ms;
  return `${new Date(ms).toISOString()} (${d >= 0 ? `${formatDuration(d)} ago` : `in ${formatDuration(-d)}`})`;
}

function block(title: string, text: string): string[] {
  return ['', `${title}:`, ...text.split('\n').map((l) => `  ${l}`)];
}

export function formatJob(j: JobDetail, now: number): string {
  const t = j.timestamps;
  const rows: [string, string][] = [
    ['job', `${j.id} · ${j.queue.id} on ${j.queue.connection}`],
    ['state', j.state],
    ['name', j.name || '-'],
    ['enqueued', when(t.enqueued, now)],
    ['runs at', when(t.runAt, now)],
    ['started', when(t.started, now)],
    ['finished', when(t.finished, now)],
    ['failed', when(t.failed, now)],
    ['attempts', `${j.attempts.made}${j.attempts.allowed !== null ? ` of ${j.attempts.allowed}` : ''}`],
  ];
  if (j.worker) rows.push(['worker', j.worker]);
  if (j.progress !== undefined) rows.push(['progress', JSON.stringify(j.progress)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (Object.keys(j.options).length) out.push(...block('options', JSON.stringify(j.options, null, 2)));
  if (j.error) {
    out.push(...block('error', `${j.error.class ? `${j.error.class}: ` : ''}${j.error.message}`));
    if (j.error.stack) out.push(...block('stack', j.error.stack));
  }
  for (const t of j.texts ?? []) out.push(...block(t.title, t.text));
  out.push(...block(`payload (${j.payload.text.length} characters)`, j.payload.json !== null ? JSON.stringify(j.payload.json, null, 2) : j.payload.text));
  if (j.result !== undefined) out.push(...block('result', typeof j.result === 'string' ? j.result : JSON.stringify(j.result, null, 2)));
  if (j.logs?.length) out.push(...block('logs', j.logs.join('\n')));
  return out.join('\n');
}
