// What the samplers hand to the signals engine each tick: plain numbers, no I/O objects.
import type { QueueRef } from '../queue-ref';

export interface QueueObservation {
  /** The queue itself, kept whole to the views and commands (never re-parsed from id or key). */
  ref: QueueRef;
  /** queueKey(ref), "<connection>/<SYSTEM:QUEUE>": unique across connections. */
  key: string;
  /** SYSTEM:QUEUE */
  id: string;
  connection: string;
  pending: number;
  delayed: number;
  active: number;
  failed: number;
  /** A monotonic count of finished jobs where the system keeps one (BullMQ completed), for throughput. */
  completed?: number;
  /** The system's own throughput counter (Horizon: jobs since its last snapshot). */
  processed?: number;
  oldestAgeMs: number | null;
  runtimeMs: number | null;
  /** Live consumers; null when they cannot be known (Laravel without Horizon or a pool). */
  consumers: number | null;
  paused: boolean;
  /** From tenants.payloadField on sampled jobs, when configured. */
  tenant?: string;
}

export interface WorkerObservation {
  id: string;
  state: string;
  cpu?: number;
  memoryBytes?: number;
  restarts: number;
}

export interface PoolObservation {
  name: string;
  queues: string[];
  running: number;
  workers: WorkerObservation[];
}

export interface DiskObservation {
  mount: string;
  usedPct: number;
  freeBytes: number;
}

export interface HostObservation {
  cpuPct: number;
  memoryPct: number;
  loadPerCore: number;
  disks: DiskObservation[];
  rxBytesPerSec?: number;
  txBytesPerSec?: number;
}

export interface Observation {
  queues: QueueObservation[];
  pools: PoolObservation[];
  host?: HostObservation;
}
