// The shape every supervisor publishes (Redis heartbeat) and every view/CLI reads.
// Plain JSON: no classes, no functions.
import type { QueueRedirect } from './debug-queues';

export type WorkerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'exited' | 'backoff' | 'fatal';
export type PoolState = 'running' | 'starting' | 'degraded' | 'draining' | 'stopping' | 'restarting' | 'stopped';

export interface ExitRecord {
  at: number;
  code: number | null;
  signal: string | null;
  uptimeMs: number;
  /** Why it ended when Chaperone ended it: "stopped", "killed after 30s stop timeout", "memory limit ..." */
  reason?: string;
  stderrTail: string[];
}

export interface WorkerSnapshot {
  id: string;
  pid: number | null;
  state: WorkerState;
  restarts: number;
  uptimeMs: number;
  cpu: number | null;
  memoryBytes: number | null;
  lastExit: ExitRecord | null;
  fatalReason?: string;
  nextStartInMs?: number;
  /** Started under a debugger ("Debug a Worker of Pool…"): apart from the pool's count, never restarted. */
  debug?: DebugMark;
}

/** A debug worker's mark: the pool's queues it reads as queues of its own (core/debug-queues.ts). */
export interface DebugMark {
  queues: QueueRedirect[];
}

export interface PoolSnapshot {
  name: string;
  state: PoolState;
  desired: number;
  min: number;
  max: number;
  queues: string[];
  workers: WorkerSnapshot[];
  /** Who sets the count: a person, the autoscaler, or a person's pin over the autoscaler. */
  scaling?: PoolScaling;
}

export type PoolScaling =
  | { by: 'manual' }
  | { by: 'autoscaler'; strategy: 'depth' | 'wait' }
  | { by: 'pinned'; strategy: 'depth' | 'wait'; until: number };

export interface ControlPlaneStatus {
  connected: boolean;
  disconnects: number;
  /** The last period Redis was unreachable, once it has ended. */
  lastGap?: { from: number; to: number; ms: number };
}

export interface SupervisorSnapshot {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  lastSeen: number;
  configFile: string;
  version: string;
  pools: PoolSnapshot[];
  controlPlane?: ControlPlaneStatus;
}
