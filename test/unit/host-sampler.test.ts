// Host figures: the load average comes from /proc/loadavg read asynchronously (os.loadavg() reads the
// same file synchronously, on the loop's thread), per core.
import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import { HostSampler, loadOf } from '../../src/node/host-sampler';

describe('host sampler', () => {
  it('reads the 1-minute load of /proc/loadavg, and nothing from a text that is not one', () => {
    assert.equal(loadOf('0.52 0.58 0.59 1/467 12345\n'), 0.52);
    assert.equal(loadOf('12.00 3.10 1.00 4/900 1\n'), 12);
    assert.equal(loadOf(''), undefined);
    assert.equal(loadOf('x y z'), undefined);
    assert.equal(loadOf('-1 0 0 1/1 1'), undefined);
  });

  // On Linux from /proc/loadavg; elsewhere os.loadavg() is the source, and the two agree as well.
  it('gives the load per core as the system reports it', async () => {
    const sampler = new HostSampler();
    try {
      const { loadPerCore } = await sampler.sample(Date.now());
      const expected = os.loadavg()[0] / Math.max(1, os.availableParallelism());
      // The kernel updates the averages every 5 s: the two readings agree unless one falls across an update.
      assert.ok(Math.abs(loadPerCore - expected) < 0.25, `${loadPerCore} against ${expected}`);
    } finally {
      await sampler.close();
    }
  });
});
