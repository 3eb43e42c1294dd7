// Commands a supervisor accepts (from Redis, the CLI, the editor). A command names a verb and a
// configured pool; it never carries a command line, and unknown fields are refused outright.

export type CommandVerb = 'drain' | 'stop' | 'start' | 'restart' | 'scale' | 'logs';
export const COMMAND_VERBS: readonly CommandVerb[] = ['drain', 'stop', 'start', 'restart', 'scale', 'logs'];

export interface SupervisorCommand {
  id: string;
  verb: CommandVerb;
  pool: string;
  worker?: string; // logs only
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

/** Validates a command read from an untrusted place (Redis). Returns an error message on failure. */
export function parseCommand(fields: Record<string, string>): ParsedCommand | { error: string } {
  for (const k of Object.keys(fields)) if (!ALLOWED_FIELDS.has(k)) return { error: `unknown field "${k}" in command` };
  const { id, verb, pool, actor } = fields;
  if (!id || !/^[\w.:-]{1,100}$/.test(id)) return { error: 'missing or invalid command id' };
  if (!COMMAND_VERBS.includes(verb as CommandVerb)) return { error: `unknown verb "${verb}"; expected one of ${COMMAND_VERBS.join(', ')}` };
  if (!pool || !/^[A-Za-z0-9_.-]{1,64}$/.test(pool)) return { error: 'missing or invalid pool name' };
  const num = (k: string): number | undefined | null => {
    if (fields[k] === undefined) return undefined;
    const n = Number(fields[k]);
    return Number.isFinite(n) ? n : null;
  };
  const count = num('count');
  const timeoutMs = num('timeoutMs');
  const lines = num('lines');
  const sentAt = num('sentAt');
  const deadline = num('deadline');
  if (count === null || timeoutMs === null || lines === null || sentAt === null || deadline === null) return { error: 'a numeric field is not a number' };
  if (verb === 'scale' && (count === undefined || !Number.isInteger(count))) return { error: 'scale needs an integer count' };
  const command: SupervisorCommand = {
    id, verb: verb as CommandVerb, pool, actor: (actor ?? 'unknown').slice(0, 200),
    sentAt: sentAt ?? 0, deadline: deadline ?? Number.MAX_SAFE_INTEGER,
  };
  if (fields.worker) command.worker = fields.worker;
  if (count !== undefined) command.count = count;
  if (timeoutMs !== undefined) command.timeoutMs = timeoutMs;
  if (lines !== undefined) command.lines = lines;
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
