// Marks in the control plane's Redis: a sorted set by time (ZADD; the newest 1000 kept), each one
// audited as it is written. Every supervisor, editor and CLI on the same Redis sees the same marks.
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { Mark } from '../core/mark';
import { auditFields } from './audit-stream';
import { AUDIT_MAXLEN, type ControlKeys } from './control-keys';

const KEPT = 1000;
const LISTED = 200;

export class MarkStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ControlKeys,
  ) {}

  async add(mark: Mark, source: string): Promise<void> {
    // The id keeps two equal texts at the same millisecond apart (a set member is unique).
    const member = JSON.stringify({ ...mark, id: randomBytes(4).toString('hex') });
    await this.redis
      .multi()
      .zadd(this.keys.marks(), mark.at, member)
      .zremrangebyrank(this.keys.marks(), 0, -(KEPT + 1))
      .xadd(this.keys.audit(), 'MAXLEN', '~', String(AUDIT_MAXLEN), '*', ...auditFields({ at: Date.now(), actor: mark.actor, verb: 'mark', target: 'history', outcome: 'ok', detail: mark.text, args: { at: mark.at } }, source))
      .exec();
  }

  /** The marks from `from` to `to` (ms), oldest first, the newest 200 at most. */
  async list(from: number, to: number): Promise<Mark[]> {
    const raw = await this.redis.zrangebyscore(this.keys.marks(), String(from), String(to));
    const out: Mark[] = [];
    for (const r of raw.slice(-LISTED)) {
      // Written by any client of this Redis: read field by field, a malformed one skipped.
      try {
        const v = JSON.parse(r) as Record<string, unknown>;
        if (typeof v.at === 'number' && Number.isFinite(v.at) && typeof v.text === 'string' && typeof v.actor === 'string') out.push({ at: v.at, text: v.text.slice(0, 200), actor: v.actor.slice(0, 200) });
      } catch {
        // skipped
      }
    }
    return out;
  }
}
