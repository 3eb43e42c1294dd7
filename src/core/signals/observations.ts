// What the samplers hand to the signals engine each tick: plain numbers, no I/O objects.
import type { QueueRef } from '../queue-ref';
import type { FlowReading } from './flow';
import type { TenantSample } from './tenant-shares';

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
  /** Age of the oldest pending job; null when the system does not record when it was enqueued. */
  oldestAgeMs: number | null;
  /** Mean runtime as the system keeps it (Horizon, a BullMQ sample), for the expected wait. */
  runtimeMs: number | null;
  /** Live consumers; null when they cannot be known (Laravel without Horizon or a pool). */
  consumers: number | null;
  paused: boolean;
  /** From tenants.payloadField: the field's values among the queue's pending jobs (all, or a sample). */
  tenantSample?: TenantSample;
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
  /** What finished since the last tick, per queue or per system (flow.ts). */
  flows?: FlowReading[];
  pools: PoolObservation[];
  host?: HostObservation;
}
