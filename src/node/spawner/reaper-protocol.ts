// What a spawner tells its reaper over IPC: every worker as it starts and ends, who controls the
// spawner, and 'done' when the spawner ends cleanly.
import type { RuntimeChild } from './runtime-state';

export type ReaperMessage =
  | { type: 'child'; child: RuntimeChild }
  | { type: 'gone'; pid: number }
  | { type: 'controller'; controller: { pid: number; startTime: string } | null }
  | { type: 'done' };
