import { strict as assert } from 'node:assert';
import { LANES, SeriesHistory, SeriesPool, type HistoryPoint } from '../../src/core/signals/series-history';

/** Stored as float32: seven significant digits. */
const f32 = (p: HistoryPoint): number[] => [p.min, p.max, Math.round(p.avg * 1e4) / 1e4];

describe('series history (typed-array tiers)', () => {
  const T0 = 1_763_800_000_000 - (1_763_800_000_000 % 3_600_000); // on an hour boundary

  it('keeps 1 s for the last hour and min/max/mean per minute and hour beyond, as computed by hand', () => {
    const h = new SeriesHistory();
    for (let i = 0; i < 7200; i++) h.add(T0 + i * 1000, i % 60); // a saw tooth, 2 h at 1 Hz
    const now = T0 + 7199_000;
    const recent = h.range(now - 10_000, now);
    assert.equal(recent.resolutionMs, 1000);
    assert.deepEqual(recent.points.map((p) => p.avg), [49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    const old = h.range(T0, T0 + 3_600_000 - 1);
    assert.equal(old.resolutionMs, 60_000, 'the 1 s tier no longer reaches back 2 h');
    assert.equal(old.points.length, 60);
    for (const p of old.points) assert.deepEqual(f32(p), [0, 59, 29.5]);
    const hours = h.range(T0 - 86_400_000, now);
    assert.equal(hours.resolutionMs, 3_600_000, 'a day back is too many minutes to list');
    assert.deepEqual(hours.points.map((p) => [p.t, ...f32(p)]), [[T0, 0, 59, 29.5], [T0 + 3_600_000, 0, 59, 29.5]]);
  });

  it('gaps stay gaps: missing seconds and NaN are not zeros', () => {
    const h = new SeriesHistory();
    h.add(T0, 1);
    h.add(T0 + 1000, NaN);
    h.add(T0 + 5000, 5);
    const r = h.range(T0, T0 + 5000);
    assert.deepEqual(r.points.map((p) => [(p.t - T0) / 1000, p.avg]), [[0, 1], [5, 5]]);
    const minute = h.range(T0 - 7_200_000, T0 + 5000).points;
    assert.deepEqual(minute.map((p) => [p.min, p.max, p.avg]), [[1, 5, 3]]);
  });

  it('a ring: a sample far in the future clears what it skipped', () => {
    const h = new SeriesHistory([{ resolutionMs: 1000, slots: 10 }]);
    for (let i = 0; i < 10; i++) h.add(T0 + i * 1000, i);
    h.add(T0 + 25_000, 99);
    assert.deepEqual(h.range(T0, T0 + 25_000).points.map((p) => p.avg), [99]);
  });

  it('fixed memory: 43 264 bytes a series with the default tiers; min/max at 1 s appear only for faster sampling', () => {
    const h = new SeriesHistory();
    // The minute and hour tiers also keep their newest slot open while it fills (sum, count, min, max).
    assert.equal(h.bytes(), 3600 * 4 + 1440 * 13 + 720 * 14 + 2 * 32);
    for (let i = 0; i < 10_000; i++) h.add(T0 + i * 1000, i);
    assert.equal(h.bytes(), 43_264, 'unchanged by use');
    h.add(T0 + 10_000_500, 1); // a second sample in one second
    h.add(T0 + 10_000_000, 3);
    const [p] = h.range(T0 + 10_000_000, T0 + 10_000_000).points;
    assert.deepEqual([p.min, p.max, p.avg], [1, 3, 2]);
    assert.equal(h.bytes(), 43_264 + 3600 * 9);
  });

  it('a pool keeps series side by side: each reads back its own samples, gaps and rings as a series of its own would', () => {
    const pool = new SeriesPool([{ resolutionMs: 1000, slots: 10 }, { resolutionMs: 60_000, slots: 5 }]);
    const n = LANES + 3; // two blocks
    const pooled = Array.from({ length: n }, () => pool.create());
    const alone = Array.from({ length: n }, () => new SeriesHistory([{ resolutionMs: 1000, slots: 10 }, { resolutionMs: 60_000, slots: 5 }]));
    for (let i = 0; i < 30; i++) {
      for (let k = 0; k < n; k++) {
        if ((i + k) % 7 === 0) continue; // a gap now and then, a different one per series
        pooled[k].add(T0 + i * 1000, k * 100 + i);
        alone[k].add(T0 + i * 1000, k * 100 + i);
      }
    }
    pooled[5].add(T0 + 95_000, 1); // far ahead: its ring is cleared, the others' are not
    alone[5].add(T0 + 95_000, 1);
    for (let k = 0; k < n; k++) {
      assert.deepEqual(pooled[k].range(T0, T0 + 95_000), alone[k].range(T0, T0 + 95_000), `series ${k}`);
      assert.deepEqual(pooled[k].range(T0 - 600_000, T0 + 95_000, 5), alone[k].range(T0 - 600_000, T0 + 95_000, 5), `series ${k}, minutes`);
      assert.equal(pooled[k].bytes(), alone[k].bytes());
    }
    // A released series' lane is emptied and given to the next series made.
    pool.release(pooled[2]);
    const next = pool.create();
    assert.equal(next.lane, pooled[2].lane);
    assert.deepEqual(next.range(T0, T0 + 95_000).points, []);
    assert.deepEqual(next.range(T0 - 600_000, T0 + 95_000, 5).points, [], 'nor its open minute');
    assert.deepEqual(pooled[3].range(T0, T0 + 95_000), alone[3].range(T0, T0 + 95_000), 'its neighbours keep theirs');
  });

  it('a minute is the same read while it fills and once the next has begun; a late sample still counts', () => {
    const h = new SeriesHistory();
    const minute = (m: number) => h.range(T0 + m * 60_000, T0 + m * 60_000 + 59_999, 1).points;
    for (let i = 0; i < 60; i++) h.add(T0 + i * 1000, i);
    const filling = minute(0);
    assert.deepEqual(filling.map(f32), [[0, 59, 29.5]]);
    h.add(T0 + 60_000, 1000);
    assert.deepEqual(minute(0), filling, 'closed as it read while open');
    assert.deepEqual(minute(1).map(f32), [[1000, 1000, 1000]]);
    // A sample of the minute before, after the next one began: into the stored minute.
    h.add(T0 + 30_500, 89.5);
    assert.deepEqual(minute(0).map(f32), [[0, 89.5, Math.round(((29.5 * 60 + 89.5) / 61) * 1e4) / 1e4]]);
    // And one earlier within the open minute: into the open one.
    h.add(T0 + 65_000, 0);
    h.add(T0 + 61_000, 500);
    assert.deepEqual(minute(1).map(f32), [[0, 1000, 500]]);
  });

  it('a minute sampled faster than 4 Hz keeps its exact mean and its extremes', () => {
    const h = new SeriesHistory();
    for (let i = 0; i < 300; i++) h.add(T0 + i * 200, i); // 5 Hz for a minute
    h.add(T0 + 60_000, 0); // the next minute closes it
    const [p] = h.range(T0, T0 + 59_999, 1).points;
    assert.deepEqual(f32(p), [0, 299, 149.5]);
  });
});
