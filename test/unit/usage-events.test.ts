// A usage sample tells the views (sampled) without telling what a successor takes over (changed):
// the handover state is rebuilt only when pools or workers really change (fake clock, fake runner).
import { strict as assert } from 'node:assert';
import { parseConfigText } from '../../src/core/config/parse-config';
import type { Logger } from '../../src/core/ports';
import { Supervisor } from '../../src/core/supervisor';
import { FakeClock } from '../helpers/fake-clock';
import { FakeRunner } from '../helpers/fake-runner';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('usage sampling events (fake clock)', () => {
  it('each sample sets the workers\' figures and emits sampled, not changed; a worker that exits emits changed', async () => {
    const { config } = parseConfigText(JSON.stringify({ supervisor: { sampleInterval: '1s' }, pools: { web: { command: ['w'], processes: 2, restart: { minUptime: '100ms' } } } }), '/w/chaperone.json');
    const clock = new FakeClock();
    const runner = new FakeRunner();
    let samples = 0;
    const sup = new Supervisor({ id: 's', host: 'h', pid: 1, version: 't' }, config, {
      clock, runner, random: () => 0.5, logger: quiet, audit: { record: () => undefined },
      sampler: { sample: async (pids) => new Map(pids.map((pid) => [pid, { cpu: 1.5 + samples++, memoryBytes: 50e6 }])) },
    });
    let changed = 0;
    let sampled = 0;
    sup.changed.on(() => changed++);
    sup.sampled.on(() => sampled++);
    sup.start();
    await clock.advance(2_000);
    const workers = sup.pools.get('web')?.workers ?? [];
    assert.equal(workers.length, 2);
    assert.ok(workers.every((w) => w.state === 'running' && w.memoryBytes === 50e6 && (w.cpu ?? 0) >= 1.5), 'figures set by the samples');
    changed = sampled = 0;
    await clock.advance(5_000);
    assert.equal(sampled, 5, 'one per sample');
    assert.equal(changed, 0, 'nothing a successor takes over moved');
    runner.exit(runner.alive()[0], 1, null);
    await clock.advance(10);
    assert.ok(changed > 0, 'an exit is a change');
    await sup.shutdown(1000);
  });
});
