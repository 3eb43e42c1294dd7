// Restart on change with real processes and a real file watcher: a change to a watched file gives one
// rolling restart (debounced, audited), never below N-1 running; ignored files change nothing.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { node, startEngine, tempDir, type Harness } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { sleep, waitFor } from '../helpers/wait';

describe('watch: rolling restart when files change', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.engine.shutdown(3000);
    h = undefined;
  });

  it('one rolling restart for a burst of changes, never below N-1; ignored and unwatched files change nothing', async () => {
    const dir = tempDir();
    for (const d of ['src/gen', 'src/node_modules/dep', 'docs']) mkdirSync(path.join(dir, d), { recursive: true });
    writeFileSync(path.join(dir, 'src', 'app.js'), '1');
    h = await startEngine({
      pools: { web: { command: node(path.join(FIXTURES, 'workers', 'idle.js')), processes: 3, restart: { minUptime: '300ms' }, stop: { timeout: '2s' }, watch: { paths: ['src/**/*.js'], ignore: ['src/gen/**'], debounce: '300ms' } } },
    }, { dir });
    const harness = h;
    await waitFor(() => harness.running('web').length === 3, '3 running', 15_000);
    await sleep(500); // the watcher is ready
    const before = harness.workers('web').map((w) => w.pid);
    // Never below N-1 from here on, sampled every 10 ms.
    let least = 3;
    const sampler = setInterval(() => (least = Math.min(least, harness.running('web').length)), 10);
    try {
      writeFileSync(path.join(dir, 'src', 'gen', 'out.js'), 'generated');
      writeFileSync(path.join(dir, 'src', 'node_modules', 'dep', 'index.js'), 'dep');
      writeFileSync(path.join(dir, 'docs', 'x.js'), 'docs');
      writeFileSync(path.join(dir, 'src', 'notes.txt'), 'not a .js file');
      await sleep(1500);
      assert.deepEqual(harness.workers('web').map((w) => w.pid), before, 'ignored and unwatched files restart nothing');
      for (let i = 0; i < 5; i++) {
        writeFileSync(path.join(dir, 'src', 'app.js'), String(i));
        await sleep(50);
      }
      writeFileSync(path.join(dir, 'src', 'lib.js'), 'new file');
      await waitFor(() => {
        const now = harness.running('web').map((w) => w.pid);
        return now.length === 3 && now.every((p) => !before.includes(p)) && harness.engine.supervisor.pools.get('web')?.snapshot().state === 'running' ? true : undefined;
      }, 'every worker replaced', 30_000);
      await sleep(1000);
    } finally {
      clearInterval(sampler);
    }
    assert.ok(least >= 2, `running fell to ${least} during the restart`);
    const restarts = harness.audit.filter((a) => a.verb === 'restart' && a.actor === 'watch' && a.outcome !== 'accepted');
    assert.equal(restarts.length, 1, `one restart for the burst: ${JSON.stringify(restarts)}`);
    assert.ok(harness.logs.some((l) => /pool web: src\/app\.js, src\/lib\.js changed; rolling restart/.test(l)), harness.logs.join('\n'));
  });
});
