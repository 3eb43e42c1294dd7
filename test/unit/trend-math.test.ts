// The trend calculator against values computed independently here: exact closed forms on known
// series, a plain two-pass least squares on the window, and numerically hard cases.
import { strict as assert } from 'node:assert';
import { Ewma, EwmaRate } from '../../src/core/signals/ewma';
import { RegressionPool, SlidingRegression } from '../../src/core/signals/sliding-regression';
import { direction, forecast, iqrScore, quantile, timeToCross, timeToDrain, zScore } from '../../src/core/signals/trend-math';

/** Ordinary least squares, two passes, on (seconds, value) pairs: the reference. */
function ols(points: [number, number][]): { slope: number; intercept: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: (sxy * sxy) / (sxx * syy) };
}

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('sliding regression', () => {
  it('recovers an exact line from epoch-millisecond timestamps (slope per second, level at the newest sample, R² = 1)', () => {
    const r = new SlidingRegression(3_600_000);
    const t0 = 1_763_800_000_000; // Nov 2025, in ms
    for (let i = 0; i < 100; i++) r.add(t0 + i * 1000, 3 + 2 * i);
    const res = r.result() ?? assert.fail();
    close(res.slope, 2, 1e-12, 'slope');
    close(res.level, 3 + 2 * 99, 1e-12, 'level');
    close(res.r2, 1, 1e-12, 'r2');
    assert.equal(res.n, 100);
    assert.equal(res.at, t0 + 99_000);
    close(forecast(res, 30_000), 3 + 2 * 129, 1e-12, 'forecast 30 s ahead');
  });

  it('lines of a pool, side by side in its blocks, each give what a line of its own gives, also in a lane used again', () => {
    const pool = new RegressionPool(30_000, 50);
    const t0 = 1_700_000_000_000;
    const value = (line: number, i: number) => line * 1000 + ((i * (line + 3)) % 17) + (line % 2 ? i : -i);
    const pooled = Array.from({ length: 40 }, () => pool.create());
    const alone = pooled.map(() => new SlidingRegression(30_000, 50));
    const step = (i: number) => pooled.forEach((r, line) => {
      // Lines sampled at different rates, so their rings are not in step.
      if (i % (1 + (line % 3))) return;
      r.add(t0 + i * 500, value(line, i));
      alone[line].add(t0 + i * 500, value(line, i));
    });
    for (let i = 0; i < 300; i++) step(i);
    // A line released and its lane taken by a new one: the new line starts empty.
    pool.release(pooled[5]);
    pooled[5] = pool.create();
    alone[5] = new SlidingRegression(30_000, 50);
    assert.equal(pooled[5].result(), undefined);
    for (let i = 300; i < 420; i++) step(i);
    pooled.forEach((r, line) => {
      assert.deepEqual(r.result(), alone[line].result(), `line ${line}`);
      assert.deepEqual(r.values(), alone[line].values(), `line ${line} values`);
    });
  });

  it('matches a two-pass least squares on the window after a million noisy samples slid through it', () => {
    const r = new SlidingRegression(60_000, 600);
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const t0 = 1_700_000_000_000;
    const kept: [number, number][] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const t = t0 + i * 100; // 10 Hz: the 60 s window holds 600 samples
      const y = 1e6 + 0.5 * i + (rand() - 0.5) * 1000;
      r.add(t, y);
      if (i >= 1_000_000 - 600) kept.push([(t - t0) / 1000, y]);
    }
    const res = r.result() ?? assert.fail();
    const ref = ols(kept);
    assert.equal(res.n, 600);
    close(res.slope, ref.slope, 1e-9, 'slope');
    close(res.r2, ref.r2, 1e-9, 'r2');
    close(res.level, ref.intercept + ref.slope * kept[kept.length - 1][0], 1e-9, 'level');
  });

  it('drops samples older than the window, counting from the newest', () => {
    const r = new SlidingRegression(10_000);
    for (let i = 0; i <= 30; i++) r.add(i * 1000, i % 2 === 0 ? i : 100);
    const res = r.result() ?? assert.fail();
    assert.equal(res.n, 11, 'samples at 20..30 s');
    const ref = ols(Array.from({ length: 11 }, (_, k) => [20 + k, (20 + k) % 2 === 0 ? 20 + k : 100] as [number, number]));
    close(res.slope, ref.slope, 1e-12, 'slope');
  });

  it('a constant series: flat, fully explained, no spread, nothing to drain or cross', () => {
    const r = new SlidingRegression(60_000);
    for (let i = 0; i < 50; i++) r.add(1_763_800_000_000 + i * 1000, 7);
    const res = r.result() ?? assert.fail();
    assert.equal(res.slope, 0);
    assert.equal(res.r2, 1);
    assert.equal(res.stddev, 0);
    assert.equal(res.level, 7);
    assert.equal(direction(res), 'stable');
    assert.equal(timeToDrain(res), undefined);
    assert.equal(timeToCross(res, 10), undefined);
    assert.equal(timeToCross(res, 5), 0, 'already over');
    assert.equal(zScore(res), 0);
  });

  it('a single point, points at one instant, NaN and out-of-order samples', () => {
    const r = new SlidingRegression(60_000);
    assert.equal(r.result(), undefined);
    r.add(1000, 5);
    assert.deepEqual([r.result()?.n, r.result()?.slope, r.result()?.stddev, r.result()?.r2], [1, 0, 0, 0]);
    r.add(1000, 9); // same instant: no time spread, no slope
    assert.equal(r.result()?.slope, 0);
    r.add(2000, NaN);
    r.add(Infinity, 1);
    r.add(500, 1); // older than the newest: ignored
    assert.equal(r.result()?.n, 2);
    close(r.result()?.stddev ?? NaN, Math.sqrt(8), 1e-12, 'stddev of 5, 9');
  });

  it('the sample standard deviation of a textbook series', () => {
    const r = new SlidingRegression(60_000);
    [2, 4, 4, 4, 5, 5, 7, 9].forEach((y, i) => r.add(i * 1000, y));
    close(r.result()?.stddev ?? NaN, Math.sqrt(32 / 7), 1e-12, 'stddev');
    close(r.result()?.mean ?? NaN, 5, 1e-12, 'mean');
  });
});

describe('trend readings', () => {
  const line = (slope: number, start: number, n = 30) => {
    const r = new SlidingRegression(600_000);
    for (let i = 0; i < n; i++) r.add(i * 1000, start + slope * i);
    return r.result() ?? assert.fail();
  };

  it('direction with a tolerance: rising, falling, stable', () => {
    assert.equal(direction(line(2, 100)), 'rising'); // +120/min on ~130: beyond 5 %
    assert.equal(direction(line(-2, 200)), 'falling');
    assert.equal(direction(line(0.01, 1000)), 'stable'); // +0.6/min on 1000: inside 5 %
  });

  it('time to drain while falling and time to cross while rising, in closed form', () => {
    const falling = line(-2, 100); // level after 29 s: 42, falling 2/s -> 21 s
    close(timeToDrain(falling) ?? NaN, 21_000, 1e-12, 'drain');
    assert.equal(timeToCross(falling, 500), undefined);
    const rising = line(1.5, 10); // level 53.5 -> 200 at 1.5/s: 97.666 s
    close(timeToCross(rising, 200) ?? NaN, ((200 - 53.5) / 1.5) * 1000, 1e-12, 'cross');
    assert.equal(timeToDrain(rising), undefined);
  });

  it('z-score and Tukey IQR score against hand-computed quartiles', () => {
    const r = new SlidingRegression(60_000);
    [2, 4, 4, 4, 5, 5, 7, 9].forEach((y, i) => r.add(i * 1000, y));
    const res = r.result() ?? assert.fail();
    close(zScore(res, 5 + 2 * Math.sqrt(32 / 7)), 2, 1e-12, 'z');
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert.equal(quantile(sorted, 0.25), 3);
    assert.equal(quantile(sorted, 0.75), 7);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(iqrScore(sorted, 5), 0);
    assert.equal(iqrScore(sorted, 13), 1.5, '(13 - 7) / 4');
    assert.equal(iqrScore(sorted, -1), 1, '(3 - -1) / 4');
  });
});

describe('EWMA', () => {
  it('a step reaches 1 - 1/e of its height after one time constant, whatever the sampling', () => {
    const coarse = new Ewma(10_000);
    const fine = new Ewma(10_000);
    coarse.add(0, 0);
    fine.add(0, 0);
    coarse.add(10_000, 100);
    for (let t = 100; t <= 10_000; t += 100) fine.add(t, 100);
    close(coarse.get() ?? NaN, 100 * (1 - Math.exp(-1)), 1e-12, 'one step');
    close(fine.get() ?? NaN, 100 * (1 - Math.exp(-1)), 1e-12, 'hundred steps');
  });

  it('a rate from a counter: 10/s steady; a counter reset is skipped, not a negative rate', () => {
    const r = new EwmaRate(5_000);
    assert.equal(r.get(), undefined);
    for (let t = 0; t <= 20_000; t += 1000) r.add(t, t / 100);
    close(r.get() ?? NaN, 10, 1e-12, 'rate');
    r.add(21_000, 3); // reset
    r.add(22_000, 13);
    close(r.get() ?? NaN, 10, 1e-12, 'rate after a reset');
  });
});
