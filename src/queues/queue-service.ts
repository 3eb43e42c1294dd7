// Every queue of every configured connection and system, behind one object: overview, lookup by id,
// and the actions, each recorded in the audit log. The CLI and (later) the views use this.
import { SYSTEM_NAMES, parseQueueId, queueKey, type SystemName } from '../core/queue-ref';
import type { RedisClient } from './redis-client';
import type { ConnectionConfig } from '../core/config/types';
import type { AuditSink } from '../core/ports';
import { groupFailures, type FailureGroup } from './failure-groups';
import { refused, type ActionResult, type JobDetail, type JobState, type JobSummary, type QueueAdapter, type QueueCounts, type QueueRef, type SearchPage, type SearchQuery, type WorkersResult } from './contract';

export class QueueLookupError extends Error {}

/** Failed jobs read to group them, at most (the command says when there were more). */
const MAX_FAILURES_READ = 10_000;

/** A queue as its reference (views, ticks), or as text from a person ("SYSTEM:QUEUE", maybe a connection). */
export type QueueAddress = QueueRef | { id: string; connection?: string | undefined };

export interface ConnectionHandle {
  config: ConnectionConfig;
  redis: RedisClient;
  adapters: QueueAdapter[];
}

export class QueueService {
  constructor(
    readonly connections: ConnectionHandle[],
    private readonly audit: AuditSink,
    private readonly actor: string,
  ) {}

  /** Discovery and counts, per adapter: one counts call (one round trip) per adapter. */
  async overview(now = Date.now()): Promise<{ counts: QueueCounts[]; errors: string[] }> {
    const errors: string[] = [];
    const all = await Promise.all(
      this.connections.flatMap((c) =>
        c.adapters.map(async (a) => {
          try {
            return await a.counts(await a.discover(), now);
          } catch (err) {
            errors.push(`${c.config.name}/${a.system}: ${err instanceof Error ? err.message : String(err)}`);
            return [];
          }
        }),
      ),
    );
    return { counts: all.flat(), errors };
  }

  /**
   * The adapter of a queue. A QueueRef (from a view, a tick) names its adapter outright; text
   * ("SYSTEM:QUEUE", on one connection or the only one that has it) is parsed once and looked up.
   */
  async find(q: QueueAddress): Promise<{ adapter: QueueAdapter; ref: QueueRef }> {
    if ('system' in q) {
      const adapter = this.connections.find((c) => c.config.name === q.connection)?.adapters.find((a) => a.system === q.system);
      if (!adapter) throw new QueueLookupError(`no ${q.system} queues on connection "${q.connection}"`);
      return { adapter, ref: q };
    }
    const { id, connection } = q;
    const parsed = parseQueueId(id);
    if (!parsed) throw new QueueLookupError(`"${id}" is not a queue id: expected SYSTEM:QUEUE with SYSTEM one of ${SYSTEM_NAMES.join(', ')}, e.g. bullmq:mail`);
    const { system, name } = parsed;
    const candidates = this.connections.filter((c) => !connection || c.config.name === connection);
    if (connection && candidates.length === 0) throw new QueueLookupError(`no connection "${connection}" in chaperone.json (connections: ${this.connections.map((c) => c.config.name).join(', ')})`);
    const hits: { adapter: QueueAdapter; ref: QueueRef }[] = [];
    for (const c of candidates) {
      const adapter = c.adapters.find((a) => a.system === system);
      if (!adapter) continue;
      const ref = (await adapter.discover()).find((r) => r.name === name) ?? (await adapter.discover(true)).find((r) => r.name === name);
      if (ref) hits.push({ adapter, ref });
    }
    if (hits.length === 0) throw new QueueLookupError(`no queue ${id} on ${connection ? `connection "${connection}"` : 'any configured connection'}`);
    if (hits.length > 1) throw new QueueLookupError(`${id} exists on several connections (${hits.map((h) => h.ref.connection).join(', ')}): choose one with --connection`);
    return hits[0];
  }

  async jobs(q: QueueAddress, state: JobState, limit: number): Promise<JobSummary[]> {
    const { adapter, ref } = await this.find(q);
    return adapter.list(ref, state, limit, Date.now());
  }

  /** Jobs of a state matching a text, a page at a time (see QueueAdapter.search). */
  async search(q: QueueAddress, state: JobState, query: SearchQuery): Promise<SearchPage> {
    const { adapter, ref } = await this.find(q);
    return adapter.search(ref, state, query, Date.now());
  }

  /**
   * A queue's failed jobs grouped by what failed, from at most `max` of them, read a page at a time
   * (newest first where the system orders them so); `complete` says whether every one was read.
   */
  async failures(q: QueueAddress, max = MAX_FAILURES_READ): Promise<{ ref: QueueRef; groups: FailureGroup[]; jobs: JobSummary[]; read: number; complete: boolean }> {
    const { adapter, ref } = await this.find(q);
    const jobs: JobSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await adapter.search(ref, 'failed', { text: '', cursor, limit: Math.min(1000, max - jobs.length) }, Date.now());
      jobs.push(...page.jobs);
      cursor = page.cursor ?? undefined;
    } while (cursor && jobs.length < max);
    return { ref, groups: groupFailures(jobs, Date.now()), jobs, read: jobs.length, complete: !cursor };
  }

  /** One job, whole; undefined when it is gone. Reading is audited nowhere: it changes nothing. */
  async job(q: QueueAddress, jobId: string): Promise<JobDetail | undefined> {
    const { adapter, ref } = await this.find(q);
    return adapter.get(ref, jobId);
  }

  /**
   * The queues holding a job of this id, on every connection (or one), where the system keys jobs
   * by id. Also says which systems could not be asked (they key nothing by id: name the queue).
   */
  async locate(jobId: string, connection?: string): Promise<{ found: QueueRef[]; notAsked: string[]; errors: string[] }> {
    const candidates = this.connections.filter((c) => !connection || c.config.name === connection);
    if (connection && candidates.length === 0) throw new QueueLookupError(`no connection "${connection}" in chaperone.json (connections: ${this.connections.map((c) => c.config.name).join(', ')})`);
    const found: QueueRef[] = [];
    const notAsked = new Set<string>();
    const errors: string[] = [];
    await Promise.all(candidates.flatMap((c) => c.adapters.map(async (a) => {
      if (!a.locate) {
        notAsked.add(a.system);
        return;
      }
      try {
        const refs = await a.locate(jobId);
        if (refs) found.push(...refs);
        else notAsked.add(a.system);
      } catch (err) {
        errors.push(`${c.config.name}/${a.system}: ${err instanceof Error ? err.message : String(err)}`);
      }
    })));
    return { found, notAsked: [...notAsked], errors };
  }

  async workers(q: QueueAddress): Promise<WorkersResult> {
    const { adapter, ref } = await this.find(q);
    return adapter.workers(ref);
  }

  cancel(q: QueueAddress, jobId: string): Promise<ActionResult> {
    return this.act('cancel', q, (a, r) => a.cancel(r, jobId), { job: jobId });
  }

  retry(q: QueueAddress, jobId: string | { allFailed: true }): Promise<ActionResult> {
    return this.act('retry', q, (a, r) => a.retry(r, jobId), { job: typeof jobId === 'string' ? jobId : 'all-failed' });
  }

  deleteFailed(q: QueueAddress, jobId: string): Promise<ActionResult> {
    return this.act('delete-failed', q, (a, r) => (a.deleteFailed ? a.deleteFailed(r, jobId) : Promise.resolve(unsupported(a, r, 'delete a failed job'))), { job: jobId });
  }

  /** A copy of a failed job as a new job on its queue, or on queue `to` of the same system and connection (the failed one stays). */
  replay(q: QueueAddress, jobId: string, to?: string): Promise<ActionResult> {
    const bad = to === undefined ? undefined : badQueueName(to);
    if (bad) return Promise.resolve(refused(`cannot replay into "${to}": ${bad}`));
    const target = to === undefined || to === parseQueueId(q.id)?.name ? undefined : to;
    return this.act('replay', q, (a, r) => (a.replay ? a.replay(r, jobId, target) : Promise.resolve(unsupported(a, r, 'replay a failed job as a new one'))), target ? { job: jobId, to: target } : { job: jobId });
  }

  promote(q: QueueAddress, jobId: string): Promise<ActionResult> {
    return this.act('promote', q, (a, r) => a.promote(r, jobId), { job: jobId });
  }

  markFailed(q: QueueAddress, jobId: string, reason: string): Promise<ActionResult> {
    return this.act('mark-failed', q, (a, r) =>
      a.markFailed ? a.markFailed(r, jobId, reason) : Promise.resolve(unsupported(a, r, 'mark a running job failed')), { job: jobId, reason });
  }

  clean(q: QueueAddress, state: 'completed' | 'failed', graceMs: number, limit: number): Promise<ActionResult> {
    return this.act('clean', q, (a, r) =>
      a.clean ? a.clean(r, state, graceMs, limit) : Promise.resolve(unsupported(a, r, `clean ${state} jobs`)), { state, graceMs, limit });
  }

  purge(q: QueueAddress): Promise<ActionResult> {
    return this.act('purge', q, (a, r) => (a.purge ? a.purge(r) : Promise.resolve(unsupported(a, r, 'delete every pending job'))));
  }

  kill(q: QueueAddress, jobId: string): Promise<ActionResult> {
    return this.act('kill', q, (a, r) => (a.kill ? a.kill(r, jobId) : Promise.resolve(unsupported(a, r, 'move a job to the dead set'))), { job: jobId });
  }

  /** Stops a running job where the system can (RQ stop-job, Celery revoke with terminate). */
  cancelRunning(q: QueueAddress, jobId: string): Promise<ActionResult> {
    return this.act('cancel-running', q, (a, r) => (a.cancelActive ? a.cancelActive(r, jobId) : Promise.resolve(unsupported(a, r, 'stop a running job'))), { job: jobId });
  }

  pause(q: QueueAddress): Promise<ActionResult> {
    return this.act('pause', q, (a, r) => a.pause(r));
  }

  resume(q: QueueAddress): Promise<ActionResult> {
    return this.act('resume', q, (a, r) => a.resume(r));
  }

  /** RQ's suspend / resume of every worker on one connection. */
  suspend(system: string, on: boolean, connection?: string): Promise<ActionResult> {
    return this.systemAct(on ? 'suspend' : 'unsuspend', system, connection, undefined, (a) =>
      a.suspend ? a.suspend(on) : Promise.resolve(refused(`${system} has no way to suspend all its workers: pause its queues, or stop the pools`)));
  }

  /** quiet / stop one live worker of SYSTEM through the system's own channel. */
  async stopWorker(system: string, workerId: string, mode: 'quiet' | 'stop', connection?: string): Promise<ActionResult> {
    // On several connections, the one whose registry has this worker (when exactly one has it).
    if (!connection) {
      const on = this.connections.filter((c) => c.adapters.some((a) => a.system === system));
      if (on.length > 1) {
        const lists = await this.registeredWorkers();
        const has = lists.filter((l) => l.system === system && 'workers' in l.result && l.result.workers.some((w) => w.id === workerId));
        if (has.length === 1) connection = has[0].connection;
      }
    }
    return this.systemAct(`worker-${mode}`, system, connection, workerId, (a) =>
      a.stopWorker ? a.stopWorker(workerId, mode) : Promise.resolve(refused(`${system} has no channel to ${mode} one worker: stop or restart the pool that runs it`)));
  }

  /**
   * The workers each system registers, on every connection (or one): what they run now and what
   * can be asked of them; a system that keeps no registry says so.
   */
  async registeredWorkers(connection?: string): Promise<{ system: SystemName; connection: string; result: WorkersResult }[]> {
    const candidates = this.connections.filter((c) => !connection || c.config.name === connection);
    return Promise.all(candidates.flatMap((c) => c.adapters.map(async (a) => ({
      system: a.system,
      connection: c.config.name,
      result: await a.workers().catch((err: unknown): WorkersResult => ({ unavailable: err instanceof Error ? err.message : String(err) })),
    }))));
  }

  /** Every worker of SYSTEM on one connection exits after its current job (where the system has a way). */
  restartWorkers(system: string, connection?: string): Promise<ActionResult> {
    return this.systemAct('restart-workers', system, connection, undefined, (a) =>
      a.restartWorkers
        ? a.restartWorkers() // behind the read-only gate, its refusal naming the connection
        : Promise.resolve(refused(`${system} has no way to restart its workers remotely: restart the pools that run them (chaperone restart POOL)`)));
  }

  /** An action on a whole system of one connection (not one queue), audited like the others. */
  private async systemAct(verb: string, system: string, connection: string | undefined, worker: string | undefined, fn: (a: QueueAdapter, h: ConnectionHandle) => Promise<ActionResult>): Promise<ActionResult> {
    const hits = this.connections.filter((c) => (!connection || c.config.name === connection) && c.adapters.some((a) => a.system === system));
    let result: ActionResult;
    if (hits.length === 0) result = refused(`no ${system} queues are configured on ${connection ? `connection "${connection}"` : 'any connection'}`);
    else if (hits.length > 1) result = refused(`${system} is configured on several connections (${hits.map((h) => h.config.name).join(', ')}): choose one with --connection`);
    else {
      const adapter = hits[0].adapters.find((a) => a.system === system) as QueueAdapter;
      result = await fn(adapter, hits[0]).catch((err: unknown) => refused(err instanceof Error ? err.message : String(err)));
    }
    const target = `${hits[0]?.config.name ?? connection ?? '?'}/${system}${worker ? `/${worker}` : ''}`;
    this.audit.record({ at: Date.now(), actor: this.actor, verb, target, args: {}, outcome: result.ok ? 'ok' : 'error', detail: result.message });
    return result;
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.flatMap((c) => c.adapters.map((a) => a.close())));
  }

  private async act(verb: string, q: QueueAddress, fn: (a: QueueAdapter, r: QueueRef) => Promise<ActionResult>, args: Record<string, unknown> = {}): Promise<ActionResult> {
    let result: ActionResult;
    let target = q.id;
    try {
      const { adapter, ref } = await this.find(q);
      target = queueKey(ref);
      result = await fn(adapter, ref);
    } catch (err) {
      result = refused(err instanceof Error ? err.message : String(err));
    }
    this.audit.record({ at: Date.now(), actor: this.actor, verb, target, args, outcome: result.ok ? 'ok' : 'error', detail: result.message });
    return result;
  }
}

/** Why a queue name from outside cannot be one, or undefined. */
function badQueueName(name: string): string | undefined {
  if (name.length === 0 || name.length > 200) return 'a queue name has 1 to 200 characters';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f\s]/.test(name)) return 'a queue name has no spaces or control characters';
  return undefined;
}

function unsupported(a: QueueAdapter, r: QueueRef, what: string): ActionResult {
  const why = a.system === 'laravel'
    ? 'Laravel keeps no running or finished jobs in Redis that could be changed this way'
    : `${a.system} has no way to ${what}`;
  return refused(`cannot ${what} on ${r.id}: ${why}`);
}
