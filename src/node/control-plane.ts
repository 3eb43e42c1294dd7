// The supervisor's side of the Redis control plane: heartbeat + snapshot, the command stream,
// results, the audit stream and live log streaming. Redis being down never stops supervision:
// every write here is best-effort, buffered (bounded) where it matters, and reconnects with backoff.
import type Redis from 'ioredis';
import { parseCommand, type CommandResult } from '../core/commands';
import type { AuditEntry, AuditSink, Logger } from '../core/ports';
import type { ControlPlaneStatus, SupervisorSnapshot } from '../core/snapshot';
import type { Supervisor } from '../core/supervisor';
import type { LogLine } from '../core/worker';
import { appendAudit } from './audit-stream';
import { ControlKeys, FORGET_AFTER_MS, RESULT_TTL_S, SNAPSHOT_TTL_MS } from './control-keys';
import { connectRedis, type CredentialSource } from './redis-connection';

const MAX_BUFFERED = 1000; // audit entries / results kept while Redis is away
// A new command wakes XREAD at once; the block time only bounds idle round trips (CPU at idle).
const READ_BLOCK_MS = 5000;
const PRUNE_EVERY_MS = 60_000;
// A new follower announces itself with its `logs --follow` command; NUMSUB only notices that
// followers left, which may take a few beats.
const NUMSUB_EVERY_BEATS = 5;
const LOG_FLUSH_MS = 100;
const MAX_LOG_BATCH = 500;

export class RedisControlPlane implements AuditSink {
  private readonly keys: ControlKeys;
  private main: Redis | undefined;
  private reader: Redis | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private running = false;
  private lastId = '$';
  private readonly status: ControlPlaneStatus = { connected: false, disconnects: 0 };
  private disconnectedAt: number | undefined;
  private readonly pendingWrites: (() => Promise<unknown>)[] = [];
  private followed = new Set<string>();
  private logBatches = new Map<string, LogLine[]>();
  private logFlushTimer: NodeJS.Timeout | undefined;
  private readLoop: Promise<void> | undefined;
  private lastPrune = 0;
  private beats = 0;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly url: string,
    keyPrefix: string,
    private readonly heartbeatMs: number,
    private readonly logger: Logger,
    private readonly credentials?: CredentialSource,
  ) {
    this.keys = new ControlKeys(keyPrefix);
  }

  /** The connection readers share (views listing other supervisors); undefined before start. */
  get redis(): Redis | undefined {
    return this.main;
  }

  get connected(): boolean {
    return this.status.connected;
  }

  async start(): Promise<void> {
    this.running = true;
    const credentials = this.credentials ? { credentials: this.credentials } : {};
    this.main = connectRedis(this.url, { name: `chaperone:${this.supervisor.identity.id}`, logger: this.logger, ...credentials });
    this.reader = connectRedis(this.url, { name: `chaperone:${this.supervisor.identity.id}:commands`, blocking: true, ...credentials });
    this.main.on('ready', () => this.onReady());
    this.main.on('close', () => this.onClose());
    this.supervisor.logged.on(({ pool, line }) => this.onLog(pool, line));
    // Connection failures are retried in the background; supervision starts regardless.
    this.main.connect().catch(() => undefined);
    this.reader.connect().catch(() => undefined);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.readLoop = this.readCommands();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.logFlushTimer) clearTimeout(this.logFlushTimer);
    const main = this.main;
    if (main && this.status.connected) {
      try {
        await this.flushPending();
        const id = this.supervisor.identity.id;
        await main.multi().del(this.keys.snapshot(id)).zrem(this.keys.supervisors(), id).exec();
      } catch {
        // best effort on the way out
      }
    }
    this.reader?.disconnect();
    await this.readLoop;
    main?.disconnect();
  }

  snapshot(): SupervisorSnapshot {
    return { ...this.supervisor.snapshot(), controlPlane: { ...this.status } };
  }

  /** AuditSink: every action goes to the audit stream (buffered while Redis is away). */
  record(entry: AuditEntry): void {
    this.write(() => appendAudit(this.main as Redis, this.keys.audit(), entry, this.supervisor.identity.id));
  }

  private onReady(): void {
    if (this.disconnectedAt !== undefined) {
      const to = Date.now();
      this.status.lastGap = { from: this.disconnectedAt, to, ms: to - this.disconnectedAt };
      this.logger.info(`redis: reconnected after ${this.status.lastGap.ms}ms`);
      this.disconnectedAt = undefined;
    }
    this.status.connected = true;
    void this.flushPending().then(() => this.heartbeat());
  }

  private onClose(): void {
    if (this.status.connected && this.running) {
      this.status.disconnects++;
      this.disconnectedAt = Date.now();
      this.logger.warn('redis: connection lost; workers keep running, reconnecting with backoff');
    }
    this.status.connected = false;
  }

  private async heartbeat(): Promise<void> {
    const main = this.main;
    if (!main || !this.status.connected) return;
    const snap = this.snapshot();
    const id = snap.id;
    try {
      const pools = [...this.supervisor.pools.keys()];
      const channels = this.beats++ % NUMSUB_EVERY_BEATS === 0 ? pools.map((p) => this.keys.logs(id, p)) : [];
      // A pipeline, not MULTI: nothing here needs atomicity, and it is the cheapest round trip.
      const pipe = main
        .pipeline()
        .set(this.keys.snapshot(id), JSON.stringify(snap), 'PX', Math.max(SNAPSHOT_TTL_MS, this.heartbeatMs * 5))
        .zadd(this.keys.supervisors(), snap.lastSeen, id);
      if (channels.length) pipe.pubsub('NUMSUB', ...channels);
      if (snap.lastSeen - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = snap.lastSeen;
        pipe.zremrangebyscore(this.keys.supervisors(), '-inf', snap.lastSeen - FORGET_AFTER_MS);
      }
      const res = await pipe.exec();
      const failed = res?.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
      const numsub = channels.length ? (res?.[2]?.[1] as (string | number)[] | undefined) : undefined;
      if (numsub) {
        const next = new Set<string>();
        for (let i = 0; i < numsub.length; i += 2) if (Number(numsub[i + 1]) > 0) next.add(pools[channels.indexOf(String(numsub[i]))]);
        this.followed = next;
      }
    } catch (err) {
      this.logger.warn(`heartbeat failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async readCommands(): Promise<void> {
    const key = this.keys.commands(this.supervisor.identity.id);
    while (this.running) {
      const reader = this.reader;
      if (!reader) return;
      if (reader.status !== 'ready') {
        await sleep(200);
        continue;
      }
      try {
        if (this.lastId === '$') {
          // Anchor to the stream's current end once: commands older than this supervisor are not
          // for it, and a fixed id (unlike '$') cannot skip what arrives between two reads.
          this.lastId = await lastStreamId(reader, key);
        }
        const res = (await reader.xread('COUNT', 20, 'BLOCK', READ_BLOCK_MS, 'STREAMS', key, this.lastId)) as [string, [string, string[]][]][] | null;
        for (const [, entries] of res ?? []) {
          for (const [entryId, flat] of entries) {
            this.lastId = entryId;
            void this.handle(flat);
          }
        }
      } catch {
        if (this.running) await sleep(200); // disconnected: retry after the reconnect
      }
    }
  }

  private async handle(flat: string[]): Promise<void> {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
    const parsed = parseCommand(fields);
    if ('error' in parsed) {
      this.logger.warn(`refused a command from Redis: ${parsed.error}`);
      if (fields.id && /^[\w.:-]{1,100}$/.test(fields.id)) {
        this.pushResult({ id: fields.id, supervisor: this.supervisor.identity.id, ok: false, status: 'error', message: parsed.error, at: Date.now() });
      }
      this.record({ at: Date.now(), actor: fields.actor ?? 'unknown', verb: fields.verb ?? '?', target: fields.pool ?? '?', outcome: 'error', detail: `refused: ${parsed.error}` });
      return;
    }
    const { command, wait } = parsed;
    if (command.verb === 'logs' && command.follow) this.followed.add(command.pool);
    const result = await this.supervisor.execute(command, wait, (accepted) => this.pushResult(accepted), wait ? (progress) => this.pushResult(progress) : undefined);
    this.pushResult(result);
    void this.heartbeat(); // let readers see the effect now rather than at the next beat
  }

  private pushResult(r: CommandResult): void {
    const key = this.keys.result(r.id);
    this.write(() => (this.main as Redis).multi().rpush(key, JSON.stringify(r)).expire(key, RESULT_TTL_S).exec());
  }

  private onLog(pool: string, line: LogLine): void {
    if (!this.followed.has(pool) || !this.status.connected) return;
    const batch = this.logBatches.get(pool) ?? [];
    if (batch.length < MAX_LOG_BATCH) batch.push(line);
    this.logBatches.set(pool, batch);
    this.logFlushTimer ??= setTimeout(() => {
      this.logFlushTimer = undefined;
      const batches = this.logBatches;
      this.logBatches = new Map();
      for (const [p, lines] of batches) {
        this.main?.publish(this.keys.logs(this.supervisor.identity.id, p), JSON.stringify(lines)).catch(() => undefined);
      }
    }, LOG_FLUSH_MS);
  }

  /** Runs a write now if connected, else keeps it (bounded, oldest dropped) for the reconnect. */
  private write(op: () => Promise<unknown>): void {
    if (this.status.connected && this.main) {
      op().catch(() => this.buffer(op));
    } else {
      this.buffer(op);
    }
  }

  private buffer(op: () => Promise<unknown>): void {
    if (this.pendingWrites.length >= MAX_BUFFERED) this.pendingWrites.shift();
    this.pendingWrites.push(op);
  }

  private async flushPending(): Promise<void> {
    while (this.pendingWrites.length && this.status.connected) {
      const op = this.pendingWrites[0];
      try {
        await op();
        this.pendingWrites.shift();
      } catch {
        return;
      }
    }
  }
}

async function lastStreamId(r: Redis, key: string): Promise<string> {
  const last = (await r.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
  return last[0]?.[0] ?? '0-0';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
