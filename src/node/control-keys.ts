// Every Redis key and channel of Chaperone's own control plane, in one place.
import { DEFAULT_KEY_PREFIX } from '../core/config/redis-choice';

export class ControlKeys {
  constructor(readonly prefix = DEFAULT_KEY_PREFIX) {}
  /** ZSET: supervisor id -> last heartbeat (ms). */
  supervisors(): string {
    return `${this.prefix}supervisors`;
  }
  /** STRING (JSON SupervisorSnapshot) with a TTL: present while the supervisor is alive. */
  snapshot(id: string): string {
    return `${this.prefix}supervisor:${id}`;
  }
  /** STREAM of commands addressed to one supervisor. */
  commands(id: string): string {
    return `${this.prefix}commands:${id}`;
  }
  /** LIST the supervisor pushes a command's result(s) to; the sender BLPOPs it. */
  result(commandId: string): string {
    return `${this.prefix}result:${commandId}`;
  }
  /** STREAM of every action and its outcome. */
  audit(): string {
    return `${this.prefix}audit`;
  }
  /** ZSET of deploy marks: time (ms) -> JSON { at, text, actor, id }. */
  marks(): string {
    return `${this.prefix}marks`;
  }
  /** PUB/SUB channel with a pool's log lines, published only while someone listens. */
  logs(supervisorId: string, pool: string): string {
    return `${this.prefix}logs:${supervisorId}:${pool}`;
  }
}

/** How long a snapshot outlives its last heartbeat. */
export const SNAPSHOT_TTL_MS = 10_000;
/** Supervisors not seen for this long are dropped from the index. */
export const FORGET_AFTER_MS = 24 * 3600_000;
export const RESULT_TTL_S = 3600;
export const AUDIT_MAXLEN = 10_000;
export const COMMANDS_MAXLEN = 1000;
