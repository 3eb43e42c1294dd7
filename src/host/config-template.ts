// The chaperone.json that "Create chaperone.json" writes, from the queues found on the connection
// (pure: no vscode, unit-tested).
import type { QueueCounts } from '../queues/contract';

const WORKER_EXAMPLES: Record<string, string> = {
  laravel: '["php", "artisan", "queue:work", "--queue=QUEUE"]',
  bullmq: '["node", "worker.js"]',
  sidekiq: '["bundle", "exec", "sidekiq", "-q", "QUEUE"]',
  rq: '["rq", "worker", "QUEUE"]',
  celery: '["celery", "-A", "app", "worker", "-Q", "QUEUE"]',
};

export function configText(url: string, counts: readonly QueueCounts[]): string {
  const bySystem = new Map<string, string[]>();
  for (const c of counts) bySystem.set(c.queue.system, [...(bySystem.get(c.queue.system) ?? []), c.queue.name]);
  const systems = [...bySystem.keys()].sort();
  const found = systems.length ? systems.map((s) => `  //   ${s}: ${bySystem.get(s)?.slice(0, 8).join(', ')}${(bySystem.get(s)?.length ?? 0) > 8 ? ', …' : ''}`).join('\n') : '  //   (none yet)';
  const pools = systems.map((s) => {
    const q = bySystem.get(s)?.[0] ?? 'default';
    return `    // "${s}-${q}": {\n    //   "command": ${(WORKER_EXAMPLES[s] ?? '["worker"]').replace('QUEUE', q)},\n    //   "processes": { "min": 1, "max": 4 },\n    //   "queues": ["${s}:${q}"],\n    //   "scale": { "strategy": "depth", "jobsPerWorker": 20 }\n    // }`;
  });
  const rules = systems.map((s) => `      "${s}:*": { "depth": { "warning": 1000, "critical": 10000 }, "oldestAge": { "warning": "5m", "critical": "30m" } }`);
  return `{
  // Chaperone: worker pools to supervise and the thresholds to watch. Queues found on ${url}:
${found}
  "$schema": "https://chaperone.dev/schema/chaperone.schema.json",
  "redis": { "url": "${url}" },
  "pools": {
${pools.join(',\n') || '    // "workers": { "command": ["node", "worker.js"], "processes": 2 }'}
  },
  "thresholds": {
    "queues": {
${rules.join(',\n') || '      "*": { "depth": { "warning": 1000, "critical": 10000 } }'}
    }
  }
}
`;
}
