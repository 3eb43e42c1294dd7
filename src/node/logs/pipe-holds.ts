// A worker's pipe can be held for more than one reason at once (its log file is behind, the
// supervisor's socket is behind): it flows again only when every reason has let go.
import type { Readable } from 'node:stream';

const holds = new WeakMap<Readable, Set<string>>();

export function holdPipe(pipe: Readable, reason: string): void {
  let set = holds.get(pipe);
  if (!set) holds.set(pipe, (set = new Set()));
  if (set.size === 0) pipe.pause();
  set.add(reason);
}

export function releasePipe(pipe: Readable, reason: string): void {
  const set = holds.get(pipe);
  if (!set?.delete(reason)) return;
  if (set.size === 0) pipe.resume();
}

export function isHeld(pipe: Readable): boolean {
  return (holds.get(pipe)?.size ?? 0) > 0;
}
