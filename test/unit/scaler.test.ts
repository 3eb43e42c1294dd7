import { strict as assert } from 'node:assert';
import { decideScale, type ScalePolicy, type ScaleState } from '../../src/core/scaler';

const depth: ScalePolicy = { strategy: 'depth', jobsPerWorker: 10, cooldownMs: 30_000, maxShift: 2, pinMs: 600_000 };
const wait: ScalePolicy = { strategy: 'wait', targetWaitMs: 10_000, runtimeMs: 1000, cooldownMs: 0, maxShift: 100, pinMs: 600_000 };
const state = (desired: number, lastChangeAt = 0): ScaleState => ({ desired, min: 1, max: 8, lastChangeAt });
const NOW = 1_000_000;

describe('scaler (pure)', () => {
  it('depth: ceil((pending + active) / jobsPerWorker), at most maxShift per step', () => {
    assert.deepEqual(pick(decideScale(depth, state(1), { pending: 35, active: 0, runtimeMs: null }, NOW)), [3, 4, true]);
    assert.deepEqual(pick(decideScale(depth, state(3), { pending: 35, active: 5, runtimeMs: null }, NOW)), [4, 4, true]);
    assert.deepEqual(pick(decideScale(depth, state(4), { pending: 35, active: 5, runtimeMs: null }, NOW)), [4, 4, false]);
  });

  it('stays within min and max', () => {
    assert.deepEqual(pick(decideScale(depth, state(8), { pending: 1000, active: 0, runtimeMs: null }, NOW)), [8, 100, false]);
    assert.deepEqual(pick(decideScale(depth, state(2), { pending: 0, active: 0, runtimeMs: null }, NOW)), [1, 0, true]);
  });

  it('does nothing within the cooldown of the last change', () => {
    const d = decideScale(depth, state(1, NOW - 10_000), { pending: 80, active: 0, runtimeMs: null }, NOW);
    assert.deepEqual(pick(d), [1, 8, false]);
    assert.match(d.reason, /cooling down/);
    assert.equal(decideScale(depth, state(1, NOW - 30_000), { pending: 80, active: 0, runtimeMs: null }, NOW).desired, 3);
  });

  it('wait: enough workers that pending x runtime / workers <= targetWait; measured runtime wins', () => {
    assert.deepEqual(pick(decideScale(wait, state(1), { pending: 50, active: 1, runtimeMs: null }, NOW)), [5, 5, true]);
    assert.deepEqual(pick(decideScale(wait, state(1), { pending: 50, active: 1, runtimeMs: 400 }, NOW)), [2, 2, true]);
    // Busy but nothing queued: keep one.
    assert.deepEqual(pick(decideScale({ ...wait, strategy: 'wait' }, { desired: 3, min: 0, max: 8, lastChangeAt: 0 }, { pending: 0, active: 2, runtimeMs: 400 }, NOW)), [1, 1, true]);
  });

  it('fixed never changes anything', () => {
    assert.deepEqual(pick(decideScale({ strategy: 'fixed' }, state(2), { pending: 1e6, active: 0, runtimeMs: null }, NOW)), [2, 2, false]);
  });
});

function pick(d: { desired: number; target: number; changed: boolean }): [number, number, boolean] {
  return [d.desired, d.target, d.changed];
}
