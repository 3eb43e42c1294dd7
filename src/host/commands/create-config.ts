// Creates chaperone.json from what is on the default connection: the systems and queues found
// there, a depth rule per system, and one commented pool per system to start from.
import * as vscode from 'vscode';
import type { QueueCounts } from '../../queues/contract';
import type { HostCommand } from './command';
import { CONFIG_FILE, configUri } from '../config-file';
import { UserFacingError, requireTrust } from '../trust';

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

export const createConfig: HostCommand = {
  id: 'chaperone.createConfig',
  async run(ctx) {
    requireTrust(`Creating ${CONFIG_FILE}`);
    const uri = configUri();
    if (!uri) throw new UserFacingError(`Open a folder first: ${CONFIG_FILE} goes at its root`);
    try {
      await vscode.workspace.fs.stat(uri);
      await vscode.window.showTextDocument(uri);
      throw new UserFacingError(`${CONFIG_FILE} already exists: opened it`);
    } catch (err) {
      if (err instanceof UserFacingError) throw err;
    }
    const engine = ctx.host.engine;
    const url = ctx.host.redisUrl;
    const overview = engine?.queues ? await engine.queues.overview() : { counts: [], errors: ['not running'] };
    if (overview.errors.length) ctx.channel.warn(`create ${CONFIG_FILE}: ${overview.errors.join('; ')}`);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(configText(url, overview.counts)));
    await vscode.window.showTextDocument(uri);
    await ctx.host.reload();
    ctx.refreshAll();
    return uri;
  },
};
