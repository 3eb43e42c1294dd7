// Commands a supervisor accepts (from Redis, the CLI, the editor). A command names a verb and a
// configured pool; it never carries a command line, and unknown fields are refused outright.

export type CommandVerb = 'drain' | 'stop' | 'start' | 'restart' | 'scale' | 'logs';
export const COMMAND_VERBS: readonly CommandVerb[] = ['drain', 'stop', 'start', 'restart', 'scale', 'logs'];

export interface SupervisorCommand {
  id: string;
  verb: CommandVerb;
  pool: string;
  worker?: string; // logs, stop
  count?: number; // scale
  timeoutMs?: number; // drain / stop
  lines?: number; // logs
  follow?: boolean; // logs: start publishing new lines
  actor: string; // who asked: "cli:user@host"
  sentAt: number;
  /** A command found after this time is answered with an error instead of being carried out. */
  deadline: number;
}

export interface CommandResult {
  id: string;
  supervisor: string;
  ok: boolean;
  /** 'accepted': a long action started (drain without wait); 'progress': an update while waiting. */
  status: 'ok' | 'error' | 'accepted' | 'progress';
  message: string;
  data?: unknown;
  at: number;
}

const ALLOWED_FIELDS = new Set(['id', 'verb', 'pool', 'worker', 'count', 'timeoutMs', 'lines', 'follow', 'wait', 'actor', 'sentAt', 'deadline']);

export interface ParsedCommand {
  command: SupervisorCommand;
  /** drain/stop: answer when done rather than when started. */
  wait: boolean;
}

/** Integer fields of a command and the ranges they must lie in (decimal digits only: "0x3" is not 3). */
const INT_FIELDS = {
  count: { min: 0, max: 10_000 },
  timeoutMs: { min: 0, max: 24 * 3600_000 },
  lines: { min: 1, max: 10_000 },
  sentAt: { min: 0, max: Number.MAX_SAFE_INTEGER },
  deadline: { min: 0, max: Number.MAX_SAFE_INTEGER },
} as const;
type IntField = keyof typeof INT_FIELDS;

/** Verbs that may name one worker of the pool. */
const WORKER_VERBS: readonly CommandVerb[] = ['logs', 'stop'];

/** Validates a command read from an untrusted place (Redis). Returns an error message on failure. */
export function parseCommand(fields: Record<string, string>): ParsedCommand | { error: string } {
  for (const k of Object.keys(fields)) if (!ALLOWED_FIELDS.has(k)) return { error: `unknown field "${k.slice(0, 40)}" in command` };
  const { id, verb, pool, actor } = fields;
  if (!id || !/^[\w.:-]{1,100}$/.test(id)) return { error: 'missing or invalid command id' };
  if (verb === undefined || verb === '') return { error: `missing verb; expected one of ${COMMAND_VERBS.join(', ')}` };
  if (!COMMAND_VERBS.includes(verb as CommandVerb)) return { error: `unknown verb "${verb.slice(0, 40)}"; expected one of ${COMMAND_VERBS.join(', ')}` };
  if (!pool || !/^[A-Za-z0-9_.-]{1,64}$/.test(pool)) return { error: 'missing or invalid pool name' };
  const ints: Partial<Record<IntField, number>> = {};
  for (const [k, range] of Object.entries(INT_FIELDS) as [IntField, { min: number; max: number }][]) {
    const raw = fields[k];
    if (raw === undefined) continue;
    if (!/^-?\d{1,16}$/.test(raw)) return { error: `${k} must be a whole number in decimal digits, not "${raw.slice(0, 40)}"` };
    const n = Number(raw);
    if (n < range.min || n > range.max) return { error: `${k} must be between ${range.min} and ${range.max}, not ${n}` };
    ints[k] = n;
  }
  if (verb === 'scale' && ints.count === undefined) return { error: 'scale needs a count' };
  if (fields.worker !== undefined) {
    if (!WORKER_VERBS.includes(verb as CommandVerb)) return { error: `${verb} acts on the whole pool and does not take a worker` };
    if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(fields.worker)) return { error: 'invalid worker id' };
  }
  const command: SupervisorCommand = {
    id, verb: verb as CommandVerb, pool, actor: (actor ?? 'unknown').slice(0, 200),
    sentAt: ints.sentAt ?? 0, deadline: ints.deadline ?? Number.MAX_SAFE_INTEGER,
  };
  if (fields.worker) command.worker = fields.worker;
  if (ints.count !== undefined) command.count = ints.count;
  if (ints.timeoutMs !== undefined) command.timeoutMs = ints.timeoutMs;
  if (ints.lines !== undefined) command.lines = ints.lines;
  if (fields.follow === '1' || fields.follow === 'true') command.follow = true;
  return { command, wait: fields.wait === '1' || fields.wait === 'true' };
}

/** The inverse of parseCommand, for senders. */
export function commandFields(c: SupervisorCommand, wait = false): Record<string, string> {
  const out: Record<string, string> = {
    id: c.id, verb: c.verb, pool: c.pool, actor: c.actor, sentAt: String(c.sentAt), deadline: String(c.deadline),
  };
  if (c.worker) out.worker = c.worker;
  if (c.count !== undefined) out.count = String(c.count);
  if (c.timeoutMs !== undefined) out.timeoutMs = String(c.timeoutMs);
  if (c.lines !== undefined) out.lines = String(c.lines);
  if (c.follow) out.follow = '1';
  if (wait) out.wait = '1';
  return out;
}
