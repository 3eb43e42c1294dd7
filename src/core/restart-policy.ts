// PM2-style crash-loop rules as one pure function: (state, event, now) -> decision.
// No timers, no randomness of its own (the caller draws `random`), so it is tested on plain numbers.

export interface RestartPolicy {
  delayMs: number; // first backoff
  maxDelayMs: number; // cap
  factor: number; // growth per consecutive unstable exit
  jitter: number; // +/- fraction applied to the delay, 0..1
  minUptimeMs: number; // uptime after which a worker counts as "running" (stable)
  maxRestarts: number; // budget ...
  windowMs: number; // ... within this sliding window
}

export interface RestartState {
  /** Times of restarts counted against the budget, oldest first, all within the window. */
  restartTimes: readonly number[];
  /** Unstable exits in a row (uptime < minUptime); drives the exponential backoff. */
  consecutiveUnstable: number;
}

export type RestartEvent =
  | { type: 'exit'; startedAt: number; code: number | null; signal: string | null; random: number }
  | { type: 'spawn-failure'; code: string; message: string }
  | { type: 'manual-restart' };

export type RestartDecision =
  | { action: 'restart'; delayMs: number; state: RestartState; counted: boolean }
  | { action: 'fatal'; reason: string; state: RestartState };

export const INITIAL_RESTART_STATE: RestartState = { restartTimes: [], consecutiveUnstable: 0 };

export function decideRestart(
  policy: RestartPolicy,
  state: RestartState,
  event: RestartEvent,
  now: number,
): RestartDecision {
  if (event.type === 'manual-restart') {
    // A person asked: the budget and the backoff start over (this is how `fatal` is recovered).
    return { action: 'restart', delayMs: 0, state: INITIAL_RESTART_STATE, counted: false };
  }
  if (event.type === 'spawn-failure') {
    // ENOENT / EACCES / bad cwd will not heal by retrying: fatal at once, no crash loop.
    return { action: 'fatal', reason: `cannot start: ${event.message} (${event.code})`, state };
  }

  const uptime = Math.max(0, now - event.startedAt);
  const stable = uptime >= policy.minUptimeMs;
  if (stable && event.code === 0) {
    // A clean exit after a stable run is worker recycling (Laravel --max-jobs, RQ --max-jobs, ...):
    // replace at once, outside the budget.
    return { action: 'restart', delayMs: 0, state: { ...state, consecutiveUnstable: 0 }, counted: false };
  }

  const recent = state.restartTimes.filter((t) => t > now - policy.windowMs);
  if (recent.length >= policy.maxRestarts) {
    return {
      action: 'fatal',
      reason: `restarted ${recent.length} times within ${Math.round(policy.windowMs / 1000)}s; last exit ${describeExit(event.code, event.signal)}`,
      state: { restartTimes: recent, consecutiveUnstable: state.consecutiveUnstable },
    };
  }

  const unstable = stable ? 0 : state.consecutiveUnstable + 1;
  // A stable run resets the backoff: the first restart after it waits only the base delay.
  const base = policy.delayMs * Math.pow(policy.factor, Math.max(0, unstable - 1));
  const jittered = base * (1 - policy.jitter + 2 * policy.jitter * clamp01(event.random));
  const delayMs = Math.round(Math.min(policy.maxDelayMs, jittered));
  return { action: 'restart', delayMs, state: { restartTimes: [...recent, now], consecutiveUnstable: unstable }, counted: true };
}

export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `by signal ${signal}`;
  return `with code ${code ?? '?'}`;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0.5;
}
