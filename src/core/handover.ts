// What a supervisor keeps with its spawner so that the next supervisor of the same config (after a
// window reload, or a crash) carries on where it left: each pool's count, whether it was stopped,
// a manual pin, the numbering of its workers and their restart counts. It comes back through
// another process: parsed field by field, and whatever does not parse is dropped, never trusted.

export interface PoolHandover {
  name: string;
  desired: number;
  stopped: boolean;
  /** Highest worker number used, so a new worker never reuses an id. */
  seq: number;
  lastScaleAt: number;
  /** A manual scale pins an autoscaled pool's count until then (epoch ms). */
  pinnedUntil: number | null;
  /** The pool's command, cwd and env as it ran: a change means its workers run an old command. */
  fingerprint: string;
  workers: { id: string; restarts: number }[];
}

export interface SupervisorHandover {
  v: 1;
  pools: PoolHandover[];
  /** Queues a drain paused, per pool (starting the pool resumes them). */
  pausedByDrain: Record<string, string[]>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1_000_000;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;

function parsePool(v: unknown): PoolHandover | undefined {
  if (!isObj(v) || typeof v.name !== 'string' || !isCount(v.desired) || typeof v.stopped !== 'boolean' || !isCount(v.seq) || !isTime(v.lastScaleAt)) return undefined;
  if (!(v.pinnedUntil === null || isTime(v.pinnedUntil)) || typeof v.fingerprint !== 'string' || !Array.isArray(v.workers)) return undefined;
  const workers: PoolHandover['workers'] = [];
  for (const w of v.workers) {
    if (!isObj(w) || typeof w.id !== 'string' || !isCount(w.restarts)) return undefined;
    workers.push({ id: w.id, restarts: w.restarts });
  }
  return { name: v.name, desired: v.desired, stopped: v.stopped, seq: v.seq, lastScaleAt: v.lastScaleAt, pinnedUntil: v.pinnedUntil, fingerprint: v.fingerprint, workers };
}

/** Pools that do not parse are left out (they start afresh); a wrong version is no handover. */
export function parseHandover(v: unknown): SupervisorHandover | undefined {
  if (!isObj(v) || v.v !== 1 || !Array.isArray(v.pools)) return undefined;
  const pools = v.pools.map(parsePool).filter((p): p is PoolHandover => !!p);
  const pausedByDrain: Record<string, string[]> = {};
  if (isObj(v.pausedByDrain)) {
    for (const [k, qs] of Object.entries(v.pausedByDrain)) if (Array.isArray(qs) && qs.every((q) => typeof q === 'string')) pausedByDrain[k] = qs as string[];
  }
  return { v: 1, pools, pausedByDrain };
}

/** The parts of a pool's config that decide what its processes run. */
export function poolFingerprint(p: { command: readonly string[]; cwd: string; env: Readonly<Record<string, string>> }): string {
  return JSON.stringify([p.command, p.cwd, Object.entries(p.env).sort(([a], [b]) => a.localeCompare(b))]);
}
