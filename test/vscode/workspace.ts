// The folder the editor tests open: a chaperone.json with a real pool of BullMQ workers on the
// test's own redis-server, a read-only second connection, and a depth rule the tests breach.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from '../helpers/paths';

export const POOL = 'mailers';
export const POOL_QUEUE = 'ui-mail';
/** A queue no pool serves: the tests fill it to breach its depth rule. */
export const BACKLOG_QUEUE = 'ui-backlog';
export const BACKLOG_WARNING = 5;

export function configText(url: string, readOnlyUrl: string): string {
  return `{
  // Written by the editor tests (test/vscode/workspace.ts).
  "redis": { "url": "${url}" },
  "queues": { "bullmq": {} },
  "pools": {
    "${POOL}": {
      "command": ["node", ${JSON.stringify(path.join(FIXTURES, 'workers', 'bullmq-worker.js'))}],
      "env": { "REDIS_URL": "${url}", "QUEUE": "${POOL_QUEUE}", "JOB_MS": "30" },
      "processes": { "min": 1, "max": 4, "initial": 2 },
      "restart": { "minUptime": "500ms" },
      "stop": { "timeout": "5s" },
      "queues": ["bullmq:${POOL_QUEUE}"]
    }
  },
  "connections": {
    "prod": { "url": "${readOnlyUrl}", "readOnly": true, "queues": { "bullmq": {} } }
  },
  "thresholds": {
    "hysteresis": { "breachAfter": 1, "clearAfter": 1 },
    "queues": {
      "bullmq:${BACKLOG_QUEUE}": { "depth": { "warning": ${BACKLOG_WARNING}, "critical": 100000 } }
    }
  },
  "signals": { "interval": "1s", "idleInterval": "1s" }
}
`;
}

export function makeWorkspace(url: string, readOnlyUrl: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chaperone-editor-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'chaperone.json'), configText(url, readOnlyUrl));
  return dir;
}
