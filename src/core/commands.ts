// Commands a supervisor accepts (from Redis, the CLI, the editor). A command names a verb and a
// configured pool; it never carries a command line, and unknown fields are refused outright.
// Each verb has its own shape (a union, not a bag of optionals); what comes from Redis is parsed
// into it, and results are parsed on read as well (never cast).
import { isRecord, parseJson } from './json-read';
import type { DrainReport } from './pool';
import type { LogLine, StopResult } from './worker';

/** What is asked of a pool: one shape per verb. */
export type PoolAction =
  | { verb: 'start' }
  | { verb: 'restart' }
  | { verb: 'scale'; count: number }
  | { verb: 'drain'; timeoutMs?: number }
  /** With a worker: that one worker stops and the pool is one smaller; else the whole pool. */
  | { verb: 'stop'; timeoutMs?: number; worker?: string }
  | { verb: 'logs'; worker?: string; lines?: number; follow?: boolean };

export type CommandVerb = PoolAction['verb'];
export const COMMAND_VERBS: readonly CommandVerb[] = ['drain', 'stop', 'start', 'restart', 'scale', 'logs'];

/** Who asked, when, and for which pool: the same for every verb. */
export interface CommandEnvelope {
  id: string;
  pool: string;
  actor: string; // who asked: "cli:user@host"
  sentAt: number;
  /** A command found after this time is answered with an error instead of being carried out. */
  deadline: number;
}

export type SupervisorCommand = CommandEnvelope & PoolAction;

/** What a result carries besides its message, by kind. */
export type ResultData =
  | { kind: 'started'; workers: number }
  | { kind: 'scaled'; from: number; to: number; pinnedUntil?: number }
  | { kind: 'accepted'; workers: number }
  | { kind: 'progress'; workers: string[]; inFlight: number | null }
  | ({ kind: 'drained'; pausedQueues: string[] } & DrainReport)
  | ({ kind: 'worker-stopped' } & StopResult)
  | { kind: 'restarted'; replaced: number }
  | { kind: 'logs'; lines: LogLine[] };

export interface CommandResult {
  id: string;
  supervisor: string;
  ok: boolean;
  /** 'accepted': a long action started (drain without wait); 'progress': an update while waiting. */
  status: 'ok' | 'error' | 'accepted' | 'progress';
  message: string;
  data?: ResultData;
  at: number;
}

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

/** Which optional fields each verb takes (every other one is refused). */
const VERB_FIELDS: Record<CommandVerb, readonly string[]> = {
  start: [],
  restart: [],
  scale: ['count'],
  drain: ['timeoutMs'],
  stop: ['timeoutMs', 'worker'],
  logs: ['worker', 'lines', 'follow'],
};
const ENVELOPE_FIELDS = new Set(['id', 'verb', 'pool', 'actor', 'sentAt', 'deadline', 'wait']);
/** Every field a command may carry: the envelope's and each verb's own. */
const ALLOWED_FIELDS = new Set([...ENVELOPE_FIELDS, ...Object.values(VERB_FIELDS).flat()]);

/** Validates a command read from an untrusted place (Redis). Returns an error message on failure. */
export function parseCommand(fields: Record<string, string>): ParsedCommand | { error: string } {
  for (const k of Object.keys(fields)) if (!ALLOWED_FIELDS.has(k)) return { error: `unknown field "${k.slice(0, 40)}" in command` };
  const { id, verb, pool, actor } = fields;
  if (!id || !/^[\w.:-]{1,100}$/.test(id)) return { error: 'missing or invalid command id' };
  if (verb === undefined || verb === '') return { error: `missing verb; expected one of ${COMMAND_VERBS.join(', ')}` };
  if (!isVerb(verb)) return { error: `unknown verb "${verb.slice(0, 40)}"; expected one of ${COMMAND_VERBS.join(', ')}` };
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
  for (const k of Object.keys(fields)) {
    if (fields[k] === undefined || ENVELOPE_FIELDS.has(k) || VERB_FIELDS[verb].includes(k)) continue;
    if (k === 'worker') return { error: `${verb} acts on the whole pool and does not take a worker` };
    return { error: `${verb} does not take ${k}` };
  }
  if (fields.worker !== undefined && !/^[A-Za-z0-9_.:-]{1,100}$/.test(fields.worker)) return { error: 'invalid worker id' };
  const envelope: CommandEnvelope = {
    id, pool, actor: (actor ?? 'unknown').slice(0, 200), sentAt: ints.sentAt ?? 0, deadline: ints.deadline ?? Number.MAX_SAFE_INTEGER,
  };
  const worker = fields.worker ? { worker: fields.worker } : {};
  const timeoutMs = ints.timeoutMs !== undefined ? { timeoutMs: ints.timeoutMs } : {};
  let action: PoolAction;
  switch (verb) {
    case 'start':
    case 'restart':
      action = { verb };
      break;
    case 'scale':
      if (ints.count === undefined) return { error: 'scale needs a count' };
      action = { verb, count: ints.count };
      break;
    case 'drain':
      action = { verb, ...timeoutMs };
      break;
    case 'stop':
      action = { verb, ...timeoutMs, ...worker };
      break;
    case 'logs':
      action = { verb, ...worker, ...(ints.lines !== undefined ? { lines: ints.lines } : {}), ...(fields.follow === '1' || fields.follow === 'true' ? { follow: true } : {}) };
      break;
  }
  return { command: { ...envelope, ...action }, wait: fields.wait === '1' || fields.wait === 'true' };
}

function isVerb(v: string): v is CommandVerb {
  return (COMMAND_VERBS as readonly string[]).includes(v);
}

/** The inverse of parseCommand, for senders. */
export function commandFields(c: SupervisorCommand, wait = false): Record<string, string> {
  const out: Record<string, string> = {
    id: c.id, verb: c.verb, pool: c.pool, actor: c.actor, sentAt: String(c.sentAt), deadline: String(c.deadline),
  };
  switch (c.verb) {
    case 'scale':
      out.count = String(c.count);
      break;
    case 'drain':
      if (c.timeoutMs !== undefined) out.timeoutMs = String(c.timeoutMs);
      break;
    case 'stop':
      if (c.timeoutMs !== undefined) out.timeoutMs = String(c.timeoutMs);
      if (c.worker) out.worker = c.worker;
      break;
    case 'logs':
      if (c.worker) out.worker = c.worker;
      if (c.lines !== undefined) out.lines = String(c.lines);
      if (c.follow) out.follow = '1';
      break;
    default:
      break;
  }
  if (wait) out.wait = '1';
  return out;
}

/** The part of a command the audit log shows: its target and its numbers. */
export function auditedArgs(c: SupervisorCommand): { target: string; args: Record<string, number> } {
  const worker = (c.verb === 'stop' || c.verb === 'logs') && c.worker ? `/${c.worker}` : '';
  const args: Record<string, number> = {};
  if (c.verb === 'scale') args.count = c.count;
  if ((c.verb === 'drain' || c.verb === 'stop') && c.timeoutMs !== undefined) args.timeoutMs = c.timeoutMs;
  return { target: `${c.pool}${worker}`, args };
}

const STATUSES: readonly CommandResult['status'][] = ['ok', 'error', 'accepted', 'progress'];
const DATA_KINDS: readonly ResultData['kind'][] = ['started', 'scaled', 'accepted', 'progress', 'drained', 'worker-stopped', 'restarted', 'logs'];

/**
 * A result read back from Redis (another supervisor wrote it): the envelope is checked field by
 * field; data is kept only with a known kind, and log lines only when each is a well-formed line.
 */
export function parseCommandResult(text: string): CommandResult | { error: string } {
  const v = parseJson(text);
  if (v === undefined) return { error: 'a result that is not JSON' };
  if (!isObject(v)) return { error: 'a result that is not an object' };
  const { id, supervisor, ok, status, message, at, data } = v;
  if (typeof id !== 'string' || typeof supervisor !== 'string' || typeof ok !== 'boolean' || typeof message !== 'string' || typeof at !== 'number') {
    return { error: 'a result without id, supervisor, ok, message and at' };
  }
  if (typeof status !== 'string' || !(STATUSES as readonly string[]).includes(status)) return { error: `a result with an unknown status` };
  const r: CommandResult = { id, supervisor, ok, status: status as CommandResult['status'], message, at };
  const parsed = parseData(data);
  if (parsed) r.data = parsed;
  return r;
}

function parseData(d: unknown): ResultData | undefined {
  if (!isObject(d) || typeof d.kind !== 'string' || !(DATA_KINDS as readonly string[]).includes(d.kind)) return undefined;
  if (d.kind === 'logs') return Array.isArray(d.lines) ? { kind: 'logs', lines: parseLogLines(d.lines) } : undefined;
  if (d.kind === 'progress') {
    const workers = Array.isArray(d.workers) ? d.workers.filter((w): w is string => typeof w === 'string') : [];
    return { kind: 'progress', workers, inFlight: typeof d.inFlight === 'number' ? d.inFlight : null };
  }
  const num = (k: string): number | undefined => (typeof d[k] === 'number' ? d[k] : undefined);
  switch (d.kind) {
    case 'started':
    case 'accepted': {
      const workers = num('workers');
      return workers === undefined ? undefined : { kind: d.kind, workers };
    }
    case 'scaled': {
      const from = num('from');
      const to = num('to');
      const pinnedUntil = num('pinnedUntil');
      return from === undefined || to === undefined ? undefined : { kind: 'scaled', from, to, ...(pinnedUntil === undefined ? {} : { pinnedUntil }) };
    }
    case 'restarted': {
      const replaced = num('replaced');
      return replaced === undefined ? undefined : { kind: 'restarted', replaced };
    }
    case 'worker-stopped': {
      const stop = parseStop(d);
      return stop ? { kind: 'worker-stopped', ...stop } : undefined;
    }
    case 'drained': {
      const durationMs = num('durationMs');
      if (typeof d.pool !== 'string' || durationMs === undefined || !Array.isArray(d.finished) || !Array.isArray(d.killedAtTimeout)) return undefined;
      const stops = (a: unknown[]): StopResult[] => a.map(parseStop).filter((x): x is StopResult => !!x);
      const paused = Array.isArray(d.pausedQueues) ? d.pausedQueues.filter((q): q is string => typeof q === 'string') : [];
      return { kind: 'drained', pool: d.pool, durationMs, finished: stops(d.finished), killedAtTimeout: stops(d.killedAtTimeout), pausedQueues: paused };
    }
    default:
      return undefined;
  }
}

function parseStop(v: unknown): StopResult | undefined {
  if (!isObject(v) || typeof v.workerId !== 'string' || typeof v.killed !== 'boolean' || typeof v.durationMs !== 'number') return undefined;
  return { workerId: v.workerId, pid: typeof v.pid === 'number' ? v.pid : null, killed: v.killed, durationMs: v.durationMs };
}

/** The well-formed log lines of a batch read from Redis (a malformed one is left out). */
export function parseLogLines(v: unknown): LogLine[] {
  return Array.isArray(v) ? v.filter(isLogLine) : [];
}

function isLogLine(l: unknown): l is LogLine {
  return isObject(l) && typeof l.at === 'number' && typeof l.worker === 'string' && typeof l.pid === 'number' && (l.stream === 'stdout' || l.stream === 'stderr') && typeof l.text === 'string';
}

const isObject = isRecord;
