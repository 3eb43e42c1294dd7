// Pool autoscaling as one pure function: (policy, state, load, now) -> decision.
//   depth: enough workers for `jobsPerWorker` jobs each (pending + active)
//   wait:  enough workers that pending x runtime / workers stays within `targetWait`
// Always within [min, max], at most `maxShift` workers per step, nothing within `cooldown` of the
// last change (manual changes included, so a person's scale is not undone at once).

export type ScalePolicy =
  | { strategy: 'fixed' }
  | { strategy: 'depth'; jobsPerWorker: number; cooldownMs: number; maxShift: number; pinMs: number }
  | { strategy: 'wait'; targetWaitMs: number; runtimeMs: number; cooldownMs: number; maxShift: number; pinMs: number };

export interface ScaleState {
  desired: number;
  min: number;
  max: number;
  lastChangeAt: number;
}

export interface QueueLoad {
  pending: number;
  active: number;
  /** Measured average runtime of a job, when the system tells. */
  runtimeMs: number | null;
}

export interface ScaleDecision {
  desired: number;
  /** The unclamped target and why; for logs and the audit trail. */
  target: number;
  reason: string;
  changed: boolean;
}

export function decideScale(policy: ScalePolicy, state: ScaleState, load: QueueLoad, now: number): ScaleDecision {
  const keep = (reason: string, target = state.desired): ScaleDecision => ({ desired: state.desired, target, reason, changed: false });
  if (policy.strategy === 'fixed') return keep('fixed strategy');
  let target: number;
  let why: string;
  if (policy.strategy === 'depth') {
    const work = Math.max(0, load.pending) + Math.max(0, load.active);
    target = Math.ceil(work / policy.jobsPerWorker);
    why = `${work} job(s) at ${policy.jobsPerWorker} per worker`;
  } else {
    const runtime = load.runtimeMs ?? policy.runtimeMs;
    const waitWithNow = state.desired > 0 ? (load.pending * runtime) / state.desired : Infinity;
    target = Math.ceil((Math.max(0, load.pending) * runtime) / policy.targetWaitMs);
    if (load.pending === 0 && load.active > 0) target = Math.max(target, 1);
    why = `${load.pending} pending x ${Math.round(runtime)}ms${load.runtimeMs === null ? ' (configured runtime)' : ''}: wait ${Number.isFinite(waitWithNow) ? `${Math.round(waitWithNow)}ms` : 'unbounded'} with ${state.desired}, target ${policy.targetWaitMs}ms`;
  }
  const clamped = Math.min(state.max, Math.max(state.min, target));
  if (clamped === state.desired) return keep(`${why}: ${state.desired} is right`, target);
  if (now - state.lastChangeAt < policy.cooldownMs) return keep(`${why}: would go to ${clamped}, cooling down`, target);
  const step = Math.max(1, policy.maxShift);
  const desired = clamped > state.desired ? Math.min(clamped, state.desired + step) : Math.max(clamped, state.desired - step);
  return { desired, target, reason: `${why}: ${state.desired} -> ${desired}`, changed: true };
}
