// A tenant's quota caps the autoscaler across its pools (fake clock, fake runner, counts given).
import { strict as assert } from 'node:assert';
import { parseConfigText } from '../../src/core/config/parse-config';
import type { Logger, QueueLoadSource } from '../../src/core/ports';
import { Supervisor } from '../../src/core/supervisor';
import { FakeClock } from '../helpers/fake-clock';
import { FakeRunner } from '../helpers/fake-runner';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('tenant quotas (fake clock)', () => {
  it('a pool scales up only to what its tenant has left; the audit says why', async () => {
    const { config } = parseConfigText(JSON.stringify({
      pools: {
        a: { command: ['w'], processes: 3 },
        b: { command: ['w'], processes: { min: 0, max: 10, initial: 0 }, queues: ['bullmq:x'], scale: { strategy: 'depth', jobsPerWorker: 10, cooldown: '1s', maxShift: 10 } },
      },
      tenants: { pools: { a: 'acme', b: 'acme' }, quotas: { acme: { maxWorkers: 5 } } },
    }), '/w/chaperone.json');
    const clock = new FakeClock();
    const runner = new FakeRunner();
    const audits: { verb: string; detail?: string; args?: Record<string, unknown> }[] = [];
    const queueLoad: QueueLoadSource = {
      load: async (ids) => new Map(ids.map((id) => [id, { pending: 1000, active: 0, runtimeMs: null }])),
      pause: async () => ({ ok: true, message: '' }),
      resume: async () => ({ ok: true, message: '' }),
    };
    const sup = new Supervisor({ id: 's', host: 'h', pid: 1, version: 't' }, config, {
      clock, runner, random: () => 0.5, logger: quiet, sampler: { sample: async () => new Map() }, audit: { record: (e) => audits.push(e) }, queueLoad,
    });
    sup.start();
    await clock.advance(5_000);
    await sup.autoscale();
    assert.equal(sup.pools.get('a')?.desired, 3);
    assert.equal(sup.pools.get('b')?.desired, 2, '5 - 3');
    const scaled = audits.find((e) => e.verb === 'autoscale');
    assert.match(scaled?.detail ?? '', /tenant acme quota: 5 workers/);
    await sup.shutdown(1000);
  });
});
