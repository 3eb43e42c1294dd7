// Celery's remote control without Python: kombu pidbox messages (a JSON envelope with a base64
// JSON body {method, arguments, destination, ...}) published on the `celery.pidbox` fanout channel;
// replies come back through the direct exchange `reply.celery.pidbox` into a list of our own. And
// the worker heartbeats (`worker-heartbeat` on the `celeryev` fanout), listened to while needed.
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { CeleryKeys, SEP } from './celery-keys';

export interface Heartbeat {
  hostname: string;
  pid?: number;
  active?: number;
  processed?: number;
  loadavg?: number[];
  freq?: number;
  at: number;
}

export class CeleryControl {
  private listener: Redis | undefined;
  private listening: Promise<void> | undefined;
  readonly heartbeats = new Map<string, Heartbeat>();
  /** Task events (workers started with -E): totals since listening, and the newest runtimes (bounded). */
  readonly tasks = { events: 0, succeeded: 0, failed: 0, runtimesMs: [] as number[], runtimeTotal: 0 };
  listeningSince = 0;
  /** Results the Redis result backend publishes (on each result's key as channel). */
  onResult: ((channel: string, raw: string) => void) | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: CeleryKeys,
  ) {}

  /**
   * Sends a control command; with `replyMs`, collects the replies ({hostname: result}) for at most
   * that long. The wait ends once every worker that can answer has: Redis's PUBLISH says how many
   * subscribers took the message, and each live worker's pidbox consumer is one (a worker that died
   * leaves its binding behind, so the bindings overcount and would hold the wait to its end).
   */
  async broadcast(method: string, args: Record<string, unknown>, opts: { destination?: string[]; replyMs?: number; limit?: number } = {}): Promise<Record<string, unknown>[]> {
    const oid = randomUUID();
    const ticket = randomUUID();
    const replyQueue = `${oid}.reply.celery.pidbox`;
    const body: Record<string, unknown> = { method, arguments: args, destination: opts.destination ?? null, pattern: null, matcher: null };
    if (opts.replyMs) {
      body.ticket = ticket;
      body.reply_to = { exchange: 'reply.celery.pidbox', routing_key: oid };
      await this.redis.sadd(this.keys.binding('reply.celery.pidbox'), `${oid}${SEP}${SEP}${replyQueue}`);
    }
    const message = {
      body: Buffer.from(JSON.stringify(body)).toString('base64'),
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { clock: 1, expires: Date.now() / 1000 + (opts.replyMs ?? 1000) / 1000 + 1 },
      properties: { delivery_info: { exchange: 'celery.pidbox', routing_key: '' }, delivery_mode: 2, delivery_tag: randomUUID(), body_encoding: 'base64', priority: 0 },
    };
    const receivers = await this.redis.publish(this.keys.fanout('celery.pidbox'), JSON.stringify(message));
    if (!opts.replyMs) return [];
    const expected = Math.min(receivers, opts.limit ?? Infinity, opts.destination?.length ?? Infinity);
    if (expected === 0) {
      await this.redis.srem(this.keys.binding('reply.celery.pidbox'), `${oid}${SEP}${SEP}${replyQueue}`);
      return [];
    }
    // Its own connection (BRPOP blocks), queueing commands until it is up.
    const reader = this.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
    reader.on('error', () => undefined);
    const replies: Record<string, unknown>[] = [];
    const deadline = Date.now() + opts.replyMs;
    try {
      while (Date.now() < deadline && replies.length < expected) {
        const left = Math.max(0.1, (deadline - Date.now()) / 1000);
        const got = await reader.brpop(this.keys.queue(replyQueue), left);
        if (!got) break;
        const reply = decode(got[1]);
        if (reply) replies.push(reply);
      }
    } finally {
      reader.disconnect();
      await this.redis.multi().srem(this.keys.binding('reply.celery.pidbox'), `${oid}${SEP}${SEP}${replyQueue}`).del(this.keys.queue(replyQueue)).exec();
    }
    return replies;
  }

  /** Starts listening to worker heartbeats (once; they arrive every ~2 s per worker), task events and published results. */
  listen(): Promise<void> {
    this.listening ??= (async () => {
      const l = this.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
      l.on('error', () => undefined);
      const results = this.keys.resultPattern();
      l.on('pmessage', (pattern: string, channel: string, raw: string) => {
        if (pattern === results) {
          this.onResult?.(channel, raw);
          return;
        }
        // Task events come in groups ("task.multi": a list of events), worker events one by one.
        for (const one of decodeEvents(raw)) {
          const ev = one as Partial<Heartbeat> & { type?: string; hostname?: string; runtime?: number };
          if (ev.type === 'task-succeeded' || ev.type === 'task-failed') this.countTask(ev.type, ev.runtime);
          else if (ev.hostname && ev.type?.startsWith('worker-')) {
            if (ev.type === 'worker-offline') this.heartbeats.delete(ev.hostname);
            else this.heartbeats.set(ev.hostname, { hostname: ev.hostname, pid: ev.pid, active: ev.active, processed: ev.processed, loadavg: ev.loadavg, freq: ev.freq, at: Date.now() });
          }
        }
      });
      this.listener = l;
      await l.psubscribe(this.keys.fanout('celeryev', 'worker.*'), this.keys.fanout('celeryev', 'task.*'), results);
      this.listeningSince = Date.now();
    })();
    return this.listening;
  }

  private countTask(type: 'task-succeeded' | 'task-failed', runtimeS: number | undefined): void {
    this.tasks.events++;
    if (type === 'task-failed') this.tasks.failed++;
    else this.tasks.succeeded++;
    if (type === 'task-succeeded' && typeof runtimeS === 'number' && Number.isFinite(runtimeS) && runtimeS >= 0) {
      this.tasks.runtimesMs.push(runtimeS * 1000);
      this.tasks.runtimeTotal++;
      if (this.tasks.runtimesMs.length > 1000) this.tasks.runtimesMs.splice(0, this.tasks.runtimesMs.length - 1000);
    }
  }

  close(): void {
    this.listener?.disconnect();
  }
}

/** The events in a celeryev message: its body is one event, or a list of them (grouped task events). */
export function decodeEvents(raw: string): Record<string, unknown>[] {
  const body = decodeBody(raw);
  const list = Array.isArray(body) ? body : [body];
  return list.filter((e): e is Record<string, unknown> => !!e && typeof e === 'object' && !Array.isArray(e));
}

function decodeBody(raw: string): unknown {
  try {
    const m = JSON.parse(raw) as { body?: string; properties?: { body_encoding?: string } };
    const text = m.properties?.body_encoding === 'base64' && typeof m.body === 'string' ? Buffer.from(m.body, 'base64').toString('utf8') : String(m.body ?? '');
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The body of a kombu message (base64 JSON in a JSON envelope), or undefined. */
export function decode(raw: string): Record<string, unknown> | undefined {
  const body = decodeBody(raw);
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/** Task id, name and eta from a Celery task message (protocol 2 headers). */
export function taskInfo(raw: string): { id?: string; task?: string; eta?: string | null; args?: unknown; retries?: number; fields?: Record<string, unknown> } {
  try {
    const m = JSON.parse(raw) as { headers?: { id?: string; task?: string; eta?: string | null; argsrepr?: string; retries?: number }; body?: string; properties?: { body_encoding?: string } };
    let args: unknown = m.headers?.argsrepr;
    let fields: Record<string, unknown> | undefined;
    try {
      const text = m.properties?.body_encoding === 'base64' && typeof m.body === 'string' ? Buffer.from(m.body, 'base64').toString('utf8') : String(m.body ?? '');
      const body = JSON.parse(text) as [unknown[], Record<string, unknown>, unknown];
      args = body[0];
      fields = body[1];
    } catch {
      // argsrepr is enough to show
    }
    return { id: m.headers?.id, task: m.headers?.task, eta: m.headers?.eta, args, retries: m.headers?.retries, fields };
  } catch {
    return {};
  }
}
