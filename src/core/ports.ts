// The only doors between src/core and the outside world. Real implementations live in src/node;
// unit tests use a fake clock and in-memory fakes of these interfaces (never of core itself).

/** Cancels a timer created by Clock.setTimer. */
export type CancelTimer = () => void;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimer(ms: number, fn: () => void): CancelTimer;
}

/** What a pool asks the runner to start. argv is never interpreted by a shell. */
export interface ProcessSpec {
  workerId: string;
  pool: string;
  /** How this process is stopped: recorded by the runner, so it can be stopped the same way if we die. */
  stop: { signal: string; timeoutMs: number };
  argv: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  /** Where the output also goes on disk (the pool's "logs"). */
  log?: LogFileSpec;
}

export type OutputStream = 'stdout' | 'stderr';

/** A pool's output on disk, rotated by size (see src/core/log-file-format.ts for a line's shape). */
export interface LogFileSpec {
  /** Absolute; stdout, and stderr too unless stderrFile is set. */
  file: string;
  stderrFile?: string;
  maxBytes: number;
  keep: number;
  timestamps: boolean;
}

/** Why a process could not be started at all (not an exit): no crash loop follows. */
export interface SpawnFailure {
  code: string; // ENOENT, EACCES, ENOTDIR, ECWD ...
  message: string;
}

export interface ProcessHandlers {
  onOutput(stream: OutputStream, text: string): void;
  onExit(code: number | null, signal: string | null): void;
  /** The runner lost its link to the process (e.g. the spawner died); it may still be alive. */
  onOrphaned(): void;
}

export interface ProcessRunner {
  /** Starts a process in its own process group. Resolves with the pid or a SpawnFailure. */
  start(spec: ProcessSpec, handlers: ProcessHandlers): Promise<{ pid: number } | { failure: SpawnFailure }>;
  /** Sends a signal to the whole process group led by pid. Resolves false if nothing was there. */
  signalGroup(pid: number, signal: string): Promise<boolean>;
  /** True while any process of the group led by pid is alive (zombies excluded where the OS tells). */
  isGroupAlive(pid: number): Promise<boolean>;
  /** Routes the events of a process handed over by an earlier supervisor (see Handover) to handlers. */
  attach(pid: number, handlers: ProcessHandlers): void;
}

/** A worker process an earlier supervisor of the same config left running, taken over as it is. */
export interface HandedProcess {
  pid: number;
  workerId: string;
  pool: string;
  /** Epoch ms. */
  startedAt: number;
}

/** What an earlier supervisor handed over: its live workers and the state it kept (untrusted: parse it). */
export interface Handover {
  processes: HandedProcess[];
  state: unknown;
  /**
   * How long the workers waited for this supervisor since the last one left, and the grace they had
   * (supervisor.handoverGrace): how close a handover came to losing them. Null when none had left.
   */
  waited: { ms: number; graceMs: number } | null;
}

export interface ProcessUsage {
  cpu: number; // percent of one core
  memoryBytes: number;
}

export interface UsageSampler {
  /** One call for all pids; pids that vanished are simply missing from the result. */
  sample(pids: readonly number[]): Promise<Map<number, ProcessUsage>>;
}

export interface AuditEntry {
  at: number;
  actor: string; // "cli:alice@host", "local", "supervisor"
  verb: string;
  target: string; // pool or pool/worker
  args?: Record<string, unknown>;
  outcome: 'ok' | 'error' | 'accepted';
  detail?: string;
}

export interface AuditSink {
  record(entry: AuditEntry): void;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A uniform random number in [0, 1); injected so backoff jitter is testable. */
export type Random = () => number;

/**
 * What the supervisor needs from the queue systems: load of queues (autoscaling: one call per tick
 * for every queue of every autoscaled pool), and pause/resume with each system's own semantics
 * (drain).
 */
export interface QueueLoadSource {
  load(queueIds: readonly string[], now: number): Promise<Map<string, { pending: number; active: number; runtimeMs: number | null }>>;
  pause(queueId: string): Promise<{ ok: boolean; message: string }>;
  resume(queueId: string): Promise<{ ok: boolean; message: string }>;
}
