// The Grafana dashboard in grafana/ against what a real supervisor exports: every metric its queries
// use is exported, every label they match on is one the metric has, every variable is defined, and
// the panels are laid out within Grafana's 24 columns with unique ids.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { node, startEngine, type Harness } from '../helpers/engine-harness';
import { FIXTURES, ROOT } from '../helpers/paths';
import { freePort, TestRedis } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { httpGet } from '../helpers/http-get';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string }[];
}

const get = httpGet;

describe('the Grafana dashboard', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let h: Harness | undefined;
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await h?.engine.shutdown(2000);
    await redis?.stop();
  });

  it('uses only metrics and labels that a running supervisor exports', async () => {
    const dash = JSON.parse(readFileSync(path.join(ROOT, 'grafana', 'chaperone-dashboard.json'), 'utf8')) as { panels: Panel[]; templating: { list: { name: string; query: unknown }[] } };
    const q = new Queue('mail', { connection: { port: redis.port } });
    await q.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'send', data: { i } })));
    await q.close();
    const port = await freePort();
    h = await startEngine({
      redis: { url: redis.url }, queues: { bullmq: {} },
      thresholds: { queues: { 'bullmq:mail': { depth: { warning: 1 } } } },
      pools: { idle: { command: node(path.join(FIXTURES, 'workers', 'idle.js')), processes: 1 } },
    }, { redisUrl: redis.url, signals: { intervalMs: 200, metrics: { host: '127.0.0.1', port } } });
    const text = await waitFor(async () => {
      const m = await get(`http://127.0.0.1:${port}/metrics`);
      return /chaperone_worker_memory_bytes\{/.test(m) && /chaperone_finding\{/.test(m) ? m : undefined;
    }, 'a worker and a finding in the metrics', 20_000);
    const typed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));

    const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    const variables = dash.templating.list.map((v) => ({ name: v.name, query: typeof v.query === 'object' && v.query ? (v.query as { query: string }).query : String(v.query) }));
    const all = [...exprs, ...variables.map((v) => ({ panel: `variable ${v.name}`, expr: v.query }))];
    assert.ok(exprs.length >= 25, `${exprs.length} queries`);
    let checked = 0;
    for (const { panel, expr } of all) {
      for (const m of expr.matchAll(/\b(chaperone_[a-z0-9_]+)\b(\{[^}]*\})?/g)) {
        const name = m[1];
        assert.ok(typed.has(name), `${panel}: ${name} is not exported`);
        checked++;
        const have = samples.filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
        const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]);
        // A label is checked on a metric that has samples now (some need finished jobs first).
        for (const label of labels) if (have.length) assert.ok(have.some((l) => new RegExp(`[{,]${label}="`).test(l)), `${panel}: ${name} has no label "${label}" (${have[0]})`);
      }
      for (const v of expr.matchAll(/\$([a-z_]+)/g)) if (!v[1].startsWith('_')) assert.ok(variables.some((x) => x.name === v[1]), `${panel}: $${v[1]} is not a variable`);
    }
    assert.ok(checked >= 30, `${checked} metric uses checked`);
    const ids = dash.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'unique panel ids');
    for (const p of dash.panels) {
      assert.ok(p.gridPos.x >= 0 && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24, `${p.title}: within 24 columns`);
      if (p.type !== 'row') assert.ok((p.targets ?? []).length > 0 && p.targets?.every((t) => t.refId), `${p.title}: has queries`);
    }
  });
});
