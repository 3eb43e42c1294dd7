// What every adapter's get() shares: the error's class and message from a stored trace, numbers
// that may be missing, and the one shape of a JobDetail.
import type { JobDetail } from './contract';

/** How much of a trace a job's row keeps (failure groups need its top frames, not all of it). */
export const TRACE_KEPT = 4096;

/** A finite number, else null (a field the system did not write). */
export function numOrNull(v: string | number | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * The class and message of an error from its trace as stored: the first line of a Node stack
 * ("TypeError: x is undefined"), or the last line of a Python traceback ("RuntimeError: boom").
 */
export function errorOf(stack: string, fallbackMessage: string | null, lastLine: boolean): JobDetail['error'] {
  const lines = stack.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = (lastLine ? lines[lines.length - 1] : lines[0]) ?? '';
  const m = /^([A-Za-z_][\w.$]*(?:Error|Exception|Failure|Interrupt|Exit|Timeout|Warning)?):\s?(.*)$/.exec(line);
  if (!stack && !fallbackMessage) return null;
  return { class: m ? m[1] : null, message: fallbackMessage ?? (m ? m[2] : line), stack };
}
