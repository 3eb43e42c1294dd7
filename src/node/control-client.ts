// The sender's side of the control plane (CLI, editor): read snapshots, send commands, wait for
// their results, follow logs.
import { MarkStore } from './marks';
import { DEFAULT_KEY_PREFIX } from '../core/config/redis-choice';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import type Redis from 'ioredis';
import { commandFields, parseCommandResult, parseLogLines, type CommandResult, type PoolAction, type SupervisorCommand } from '../core/commands';
import type { SupervisorSnapshot } from '../core/snapshot';
import { parseSupervisorSnapshot } from '../core/snapshot-parse';
import type { LogLine } from '../core/worker';
import { COMMANDS_MAXLEN, ControlKeys } from './control-keys';

export interface SeenSupervisor {
  id: string;
  lastSeen: number;
  /** null when the heartbeat key expired: the supervisor is gone or cut off from Redis. */
  snapshot: SupervisorSnapshot | null;
}

export interface SendOptions {
  wait?: boolean;
  /** How long to wait for the result. */
  replyTimeoutMs: number;
  onAccepted?: (r: CommandResult) => void;
  /** Updates while a long action runs (drain --wait). */
  onProgress?: (r: CommandResult) => void;
}

export class ControlClient {
  readonly keys: ControlKeys;
  /** Deploy marks in the history (chaperone mark, the dashboard's lines). */
  readonly marks: MarkStore;

  constructor(
    private readonly redis: Redis,
    keyPrefix = DEFAULT_KEY_PREFIX,
    readonly actor = `cli:${os.userInfo().username}@${os.hostname()}`,
  ) {
    this.keys = new ControlKeys(keyPrefix);
    this.marks = new MarkStore(redis, this.keys);
  }

  async supervisors(): Promise<SeenSupervisor[]> {
    const flat = await this.redis.zrevrange(this.keys.supervisors(), 0, 999, 'WITHSCORES');
    const ids: { id: string; lastSeen: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) ids.push({ id: flat[i], lastSeen: Number(flat[i + 1]) });
    if (ids.length === 0) return [];
    const raw = await this.redis.mget(ids.map((s) => this.keys.snapshot(s.id)));
    return ids.map((s, i) => {
      // Written by another supervisor: parsed field by field; a malformed one reads as lost.
      const text = raw[i];
      const snapshot = text ? (parseSupervisorSnapshot(text) ?? null) : null;
      return { ...s, snapshot };
    });
  }

  /** Live supervisors that have `pool` configured. */
  async supervisorsWithPool(pool: string): Promise<SupervisorSnapshot[]> {
    return (await this.supervisors()).flatMap((s) => (s.snapshot && s.snapshot.pools.some((p) => p.name === pool) ? [s.snapshot] : []));
  }

  /**
   * Sends a command and waits for its final result (an 'accepted' result first, for long actions
   * sent without wait, is passed to onAccepted and ends the wait).
   */
  async send(supervisorId: string, pool: string, action: PoolAction, o: SendOptions): Promise<CommandResult> {
    const now = Date.now();
    const cmd: SupervisorCommand = { id: randomUUID(), pool, actor: this.actor, sentAt: now, deadline: now + Math.min(o.replyTimeoutMs, 30_000), ...action };
    const fields = commandFields(cmd, o.wait ?? false);
    await this.redis.xadd(this.keys.commands(supervisorId), 'MAXLEN', '~', String(COMMANDS_MAXLEN), '*', ...Object.entries(fields).flat());
    const resultKey = this.keys.result(cmd.id);
    const deadline = now + o.replyTimeoutMs;
    const blocking = this.redis.duplicate();
    try {
      await blocking.connect();
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const popped = await blocking.blpop(resultKey, Math.max(0.1, Math.min(left, 5000) / 1000));
        if (!popped) continue;
        const r = parseCommandResult(popped[1]);
        if ('error' in r) return { id: cmd.id, supervisor: supervisorId, ok: false, status: 'error', message: `supervisor ${supervisorId} answered with ${r.error}`, at: Date.now() };
        if (r.status === 'progress') {
          o.onProgress?.(r);
          continue;
        }
        if (r.status === 'accepted') {
          o.onAccepted?.(r);
          if (!o.wait) return r;
          continue;
        }
        return r;
      }
    } finally {
      blocking.disconnect();
    }
    return { id: cmd.id, supervisor: supervisorId, ok: false, status: 'error', message: `no answer from supervisor ${supervisorId} within ${Math.round(o.replyTimeoutMs / 1000)}s`, at: Date.now() };
  }

  /** Subscribes to a pool's live log lines. Resolves once subscribed; call the returned function to stop. */
  async followLogs(supervisorId: string, pool: string, onLines: (lines: LogLine[]) => void): Promise<() => void> {
    const sub = this.redis.duplicate();
    await sub.connect();
    const channel = this.keys.logs(supervisorId, pool);
    sub.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      try {
        onLines(parseLogLines(JSON.parse(message)));
      } catch {
        // a malformed batch is skipped
      }
    });
    await sub.subscribe(channel);
    return () => sub.disconnect();
  }
}
