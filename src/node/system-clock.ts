import type { CancelTimer, Clock } from '../core/ports';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms: number, fn: () => void): CancelTimer {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
