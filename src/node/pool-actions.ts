// One way to act on a pool, for the CLI and the editor alike: this process's own supervisor is
// called directly, any other one through the Redis control plane; the same verbs, the same results.
import { randomUUID } from 'node:crypto';
import type { CommandResult, PoolAction } from '../core/commands';
import type { Supervisor } from '../core/supervisor';
import type { ControlClient } from './control-client';

/** A pool as one supervisor runs it: the identity of what a pool action targets. */
export interface PoolRef {
  supervisor: string;
  pool: string;
}

export interface ActOptions {
  /** drain/stop: answer when done (default) rather than when started. */
  wait?: boolean;
  /** How long to wait for another supervisor's answer (default: the action's timeout + 15 s, else 75 s). */
  replyTimeoutMs?: number;
  onAccepted?: (r: CommandResult) => void;
  onProgress?: (r: CommandResult) => void;
}

/** How long a command may sit unread before a supervisor refuses it as expired. */
const LOCAL_DEADLINE_MS = 60_000;

export class PoolActions {
  constructor(
    private readonly o: {
      /** This process's supervisor, when it runs one. */
      own?: Supervisor;
      /** The control plane's client, when Redis is connected. */
      client: () => ControlClient | undefined;
      actor: string;
    },
  ) {}

  isOwn(target: PoolRef): boolean {
    return !!this.o.own && target.supervisor === this.o.own.identity.id;
  }

  async act(target: PoolRef, action: PoolAction, opts: ActOptions = {}): Promise<CommandResult> {
    const own = this.o.own;
    if (own && this.isOwn(target)) {
      const now = Date.now();
      return own.execute({ id: randomUUID(), pool: target.pool, actor: this.o.actor, sentAt: now, deadline: now + LOCAL_DEADLINE_MS, ...action }, opts.wait ?? true, opts.onAccepted, opts.onProgress);
    }
    const client = this.o.client();
    if (!client) {
      return { id: '', supervisor: target.supervisor, ok: false, status: 'error', message: 'other supervisors are reached through Redis, and it is not connected', at: Date.now() };
    }
    const timeout = 'timeoutMs' in action && action.timeoutMs !== undefined ? action.timeoutMs : 60_000;
    return client.send(target.supervisor, target.pool, action, {
      wait: opts.wait ?? true,
      replyTimeoutMs: opts.replyTimeoutMs ?? timeout + 15_000,
      ...(opts.onAccepted ? { onAccepted: opts.onAccepted } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  }
}
