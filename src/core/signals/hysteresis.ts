// No flapping: a finding appears after `breachAfter` consecutive samples at (or above) its level and
// goes away after `clearAfter` consecutive samples below it. Pure: state in, state out.
import type { Severity } from '../config/signals-config';

export type Level = 'ok' | Severity;
const RANK: Record<Level, number> = { ok: 0, warning: 1, critical: 2 };

export interface HysteresisState {
  active: Level;
  pending: Level;
  count: number;
}

export const INITIAL: HysteresisState = { active: 'ok', pending: 'ok', count: 0 };

/** The next state after one sample at `observed`. */
export function step(s: HysteresisState, observed: Level, breachAfter: number, clearAfter: number): HysteresisState {
  // A steady rule keeps its state object (states are never changed in place): no garbage per tick.
  if (observed === s.active) return s.pending === observed && s.count === 0 ? s : { active: s.active, pending: observed, count: 0 };
  const count = observed === s.pending ? s.count + 1 : 1;
  const needed = RANK[observed] > RANK[s.active] ? breachAfter : clearAfter;
  return count >= needed ? { active: observed, pending: observed, count: 0 } : { active: s.active, pending: observed, count };
}

export function worse(a: Level, b: Level): Level {
  return RANK[a] >= RANK[b] ? a : b;
}
