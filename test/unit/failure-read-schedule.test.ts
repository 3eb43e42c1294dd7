import { strict as assert } from 'node:assert';
import { COUNTS_SLACK_MS, FailureReadSchedule, REREAD_MS } from '../../src/core/failure-read-schedule';

const T0 = 1_000_000;
const keys = (qs: { key: string }[]) => qs.map((q) => q.key);

describe('failure read schedule', () => {
  it('reads a queue with failed jobs once, then again only when its count moves', () => {
    const s = new FailureReadSchedule();
    assert.deepEqual(keys(s.due([{ key: 'a', failed: 0 }, { key: 'b', failed: 3 }], T0, 5)), ['b']);
    s.record('b', { failed: 3, countedAt: T0, readAt: T0 + 5, failedAts: [T0 - 10_000, T0 - 9_000, T0 - 8_000], found: true });
    assert.deepEqual(keys(s.due([{ key: 'b', failed: 3 }], T0 + 1000, 5)), []);
    assert.deepEqual(keys(s.due([{ key: 'b', failed: 0 }], T0 + 2000, 5)), ['b']);
  });

  it('a read that found groups is done again every REREAD_MS; one that found none is not', () => {
    const s = new FailureReadSchedule();
    s.record('found', { failed: 2, countedAt: T0, readAt: T0, failedAts: [T0 - 5000, T0 - 4000], found: true });
    s.record('old', { failed: 2, countedAt: T0, readAt: T0, failedAts: [T0 - 7_200_000, T0 - 7_100_000], found: false });
    const qs = [{ key: 'found', failed: 2 }, { key: 'old', failed: 2 }];
    assert.deepEqual(keys(s.due(qs, T0 + REREAD_MS - 1, 5)), []);
    assert.deepEqual(keys(s.due(qs, T0 + REREAD_MS, 5)), ['found']);
  });

  // Jobs retried (the tick counts 0 failed), failed again and read so, then removed before any tick
  // saw them failed: the next tick counts 0 again. The read's groups must not stay for REREAD_MS.
  it('a read that saw a failure newer than its tick\'s count is done again at the next tick, though the count did not move', () => {
    const s = new FailureReadSchedule();
    s.record('q', { failed: 0, countedAt: T0, readAt: T0 + 300, failedAts: [T0 + 120, T0 + 130, T0 + 140], found: true });
    assert.deepEqual(keys(s.due([{ key: 'q', failed: 0 }], T0 + 1000, 5)), ['q']);
    // That read finds them gone and settles: no more reads at an unmoved count.
    s.record('q', { failed: 0, countedAt: T0 + 1000, readAt: T0 + 1010, failedAts: [], found: false });
    assert.deepEqual(keys(s.due([{ key: 'q', failed: 0 }], T0 + 2000, 5)), []);
  });

  it('a failure just before the tick may not be in its count: within COUNTS_SLACK_MS it is read again', () => {
    const s = new FailureReadSchedule();
    s.record('near', { failed: 1, countedAt: T0, readAt: T0 + 10, failedAts: [T0 - COUNTS_SLACK_MS + 1], found: true });
    s.record('far', { failed: 1, countedAt: T0, readAt: T0 + 10, failedAts: [T0 - COUNTS_SLACK_MS - 1, null, undefined], found: true });
    assert.deepEqual(keys(s.due([{ key: 'near', failed: 1 }, { key: 'far', failed: 1 }], T0 + 1000, 5)), ['near']);
  });

  it('a read that could not be made keeps what was found, and at most `max` queues are due at once', () => {
    const s = new FailureReadSchedule();
    s.record('q', { failed: 1, countedAt: T0, readAt: T0, failedAts: [T0 - 5000], found: true });
    s.keep('q', 2, T0 + 1000);
    assert.deepEqual(keys(s.due([{ key: 'q', failed: 2 }], T0 + 2000, 5)), []);
    assert.deepEqual(keys(s.due([{ key: 'q', failed: 2 }], T0 + 1000 + REREAD_MS, 5)), ['q']);
    const many = Array.from({ length: 12 }, (_, i) => ({ key: `m${i}`, failed: 1 }));
    assert.deepEqual(keys(s.due(many, T0, 5)), ['m0', 'm1', 'm2', 'm3', 'm4']);
  });
});
