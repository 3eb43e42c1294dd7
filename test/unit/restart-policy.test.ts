import { strict as assert } from 'node:assert';
import { decideRestart, INITIAL_RESTART_STATE, type RestartPolicy, type RestartState } from '../../src/core/restart-policy';

const policy: RestartPolicy = { delayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0, minUptimeMs: 2000, maxRestarts: 5, windowMs: 60_000 };
const T0 = 1_000_000;

/** Simulates a worker that crashes `uptime` ms after each start; returns each decision. */
function crashLoop(p: RestartPolicy, n: number, uptime: number, random = 0.5) {
  let state: RestartState = INITIAL_RESTART_STATE;
  let now = T0;
  const out = [];
  for (let i = 0; i < n; i++) {
    const startedAt = now;
    now += uptime;
    const d = decideRestart(p, state, { type: 'exit', startedAt, code: 1, signal: null, random }, now);
    out.push({ ...d, at: now });
    state = d.state;
    if (d.action === 'restart') now += d.delayMs;
  }
  return out;
}

describe('restart policy (pure)', () => {
  it('backs off exponentially from delay by factor, capped at maxDelay', () => {
    const p = { ...policy, maxRestarts: 100 };
    const delays = crashLoop(p, 7, 10).map((d) => (d.action === 'restart' ? d.delayMs : -1));
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('applies jitter within +/- jitter of the delay, and the cap after jitter', () => {
    const p = { ...policy, jitter: 0.2, maxRestarts: 100 };
    const low = crashLoop(p, 1, 10, 0)[0];
    const high = crashLoop(p, 1, 10, 0.999999)[0];
    assert.equal(low.action === 'restart' && low.delayMs, 80);
    assert.equal(high.action === 'restart' && high.delayMs, 120);
    const capped = crashLoop(p, 8, 10, 0.999999).at(-1);
    assert.equal(capped?.action === 'restart' && capped.delayMs, 1000);
  });

  it('resets the backoff after a stable run (uptime >= minUptime)', () => {
    let state = crashLoop({ ...policy, maxRestarts: 100 }, 4, 10).at(-1)?.state as RestartState;
    assert.equal(state.consecutiveUnstable, 4);
    const d = decideRestart(policy, state, { type: 'exit', startedAt: T0, code: 1, signal: null, random: 0.5 }, T0 + 5000);
    assert.equal(d.action, 'restart');
    assert.equal(d.action === 'restart' && d.delayMs, 100);
    state = d.state;
    assert.equal(state.consecutiveUnstable, 0);
  });

  it('goes fatal when the budget is spent within the window, naming the count and the exit', () => {
    const ds = crashLoop(policy, 6, 10);
    assert.deepEqual(ds.map((d) => d.action), ['restart', 'restart', 'restart', 'restart', 'restart', 'fatal']);
    const last = ds[5];
    assert.ok(last.action === 'fatal' && /restarted 5 times within 60s; last exit with code 1/.test(last.reason), JSON.stringify(last));
  });

  it('forgets restarts older than the window', () => {
    const p = { ...policy, maxRestarts: 2, windowMs: 1000 };
    let state: RestartState = INITIAL_RESTART_STATE;
    for (const at of [T0, T0 + 100]) {
      const d = decideRestart(p, state, { type: 'exit', startedAt: at - 10, code: 1, signal: null, random: 0.5 }, at);
      assert.equal(d.action, 'restart');
      state = d.state;
    }
    assert.equal(decideRestart(p, state, { type: 'exit', startedAt: T0 + 190, code: 1, signal: null, random: 0.5 }, T0 + 200).action, 'fatal');
    assert.equal(decideRestart(p, state, { type: 'exit', startedAt: T0 + 1990, code: 1, signal: null, random: 0.5 }, T0 + 2000).action, 'restart');
  });

  it('is fatal at once when the command cannot start', () => {
    const d = decideRestart(policy, INITIAL_RESTART_STATE, { type: 'spawn-failure', code: 'ENOENT', message: 'command not found: nope' }, T0);
    assert.equal(d.action, 'fatal');
    assert.match(d.action === 'fatal' ? d.reason : '', /command not found: nope \(ENOENT\)/);
  });

  it('replaces a clean exit after a stable run at once, outside the budget (worker recycling)', () => {
    const d = decideRestart({ ...policy, maxRestarts: 0 }, INITIAL_RESTART_STATE, { type: 'exit', startedAt: T0, code: 0, signal: null, random: 0.5 }, T0 + 3000);
    assert.deepEqual([d.action, d.action === 'restart' && d.delayMs, d.action === 'restart' && d.counted], ['restart', 0, false]);
  });

  it('counts a clean exit before minUptime like a crash', () => {
    const d = decideRestart({ ...policy, maxRestarts: 0 }, INITIAL_RESTART_STATE, { type: 'exit', startedAt: T0, code: 0, signal: null, random: 0.5 }, T0 + 10);
    assert.equal(d.action, 'fatal');
  });

  it('a manual restart clears the budget and the backoff', () => {
    const spent = crashLoop(policy, 6, 10).at(-1)?.state as RestartState;
    const d = decideRestart(policy, spent, { type: 'manual-restart' }, T0);
    assert.deepEqual(d.state, INITIAL_RESTART_STATE);
  });
});
