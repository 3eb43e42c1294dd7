// A sidekiq.yml: its queues (names, or [name, weight]) and concurrency, for a Sidekiq pool.
import { parse as parseYaml } from 'yaml';
import type { Draft } from './draft';
import { poolName } from './draft';

export function importSidekiqYml(draft: Draft, text: string, file: string): void {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    draft.notes.push(`${file}: not YAML (${err instanceof Error ? err.message.split('\n')[0] : String(err)}), skipped`);
    return;
  }
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  const get = (k: string): unknown => o[`:${k}`] ?? o[k];
  const raw = get('queues');
  const queues = Array.isArray(raw) ? raw.map((q) => (Array.isArray(q) ? String(q[0]) : String(q))).filter(Boolean) : ['default'];
  const name = poolName(draft, 'sidekiq');
  draft.pools[name] = { command: ['bundle', 'exec', 'sidekiq', '-C', file], processes: 1, stop: { signal: 'SIGTERM', timeout: '30s' }, queues: queues.map((q) => `sidekiq:${q}`) };
  draft.systems.sidekiq ??= {};
  const conc = get('concurrency');
  draft.notes.push(`${file}: pool "${name}" for queues ${queues.join(', ')}${typeof conc === 'number' ? ` (each process runs ${conc} threads, as sidekiq.yml says)` : ''}`);
}
