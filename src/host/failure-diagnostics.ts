// Failure groups as diagnostics in the source: at the innermost frame in the project's own code of
// each group that failed in the last hour, "37 failures in the last hour on bullmq:emails: SMTP 550
// mailbox unavailable", a warning, or an error from FAILURES_ERROR_AT on; the sample jobs as
// related information; quick fixes in failure-fixes.ts. Which queues' failures are read again, and
// when, is FailureReadSchedule's; a few queues per pass.
import * as vscode from 'vscode';
import { queueLabel, type QueueRef } from '../core/queue-ref';
import type { QueueSignal } from '../core/signals/signals-engine';
import { handlerMatches, type NamedHandler } from '../core/handlers-in-source';
import { topOwnFrame, type FileExists } from '../core/source-paths';
import { FailureReadSchedule } from '../core/failure-read-schedule';
import { groupFailures, idsByGroup, type FailureGroup } from '../queues/failure-groups';
import { projectRoot } from './config-file';
import type { EngineHost } from './engine-host';
import { jobUri } from './job-documents';
import type { HandlerFailures } from './handler-lens-titles';
import { isFile } from './job-source-links';

export const FAILURE_SOURCE = 'chaperone failures';
/** Diagnostic.code of a failure group: the quick fixes read it back. */
export const FAILURE_CODE = 'failure-group';
/** "In the last hour". */
export const FAILURE_WINDOW_MS = 3_600_000;
/** This many failures of one group in the window make it an error, fewer a warning. */
export const FAILURES_ERROR_AT = 10;
/** The newest failed jobs read per queue (the last hour's, nearly always). */
const MAX_READ = 1000;
/** Queues read per pass: the rest wait for the next tick. */
const QUEUES_PER_PASS = 5;
const SAMPLES_RELATED = 3;

/** What a diagnostic stands for: the quick fixes act on it. */
export interface FailureSpot {
  ref: QueueRef;
  group: FailureGroup;
  /** Every job of the group in the window. */
  ids: string[];
}

const exists: FileExists = (p) => isFile(vscode.Uri.file(p));

export class FailureDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('chaperone-failures');
  /**
   * Per queue (its key): the spots the last read gave, and when each job name of the window failed
   * (the code lenses count a handler's: a few names, not a thousand jobs, are matched per tick), with
   * whether the read held all of them.
   */
  private readonly read = new Map<string, { spots: { uri: vscode.Uri; diagnostic: vscode.Diagnostic; spot: FailureSpot }[]; byName: Map<string, number[]>; complete: boolean }>();
  private readonly schedule = new FailureReadSchedule();
  private running = false;

  constructor(private readonly host: EngineHost) {}

  /** The group behind a diagnostic (the copies a code action gets are matched by place and message). */
  spotOf(d: vscode.Diagnostic, uri: vscode.Uri): FailureSpot | undefined {
    for (const r of this.read.values()) {
      for (const s of r.spots) if (s.uri.toString() === uri.toString() && s.diagnostic.message === d.message && s.diagnostic.range.start.line === d.range.start.line) return s.spot;
    }
    return undefined;
  }

  /** After a tick: the queues whose failures need reading, a few at a time, off the tick. */
  update(): void {
    const last = this.host.engine?.lastSignals();
    if (this.running || !this.host.engine?.queues || !last) return;
    const due = this.schedule.due(last.queues, Date.now(), QUEUES_PER_PASS);
    if (due.length === 0) return;
    this.running = true;
    void this.readQueues(due, last.at).finally(() => {
      this.running = false;
    });
  }

  /** `countedAt`: when the tick whose failed counts `queues` carry counted. */
  private async readQueues(queues: readonly QueueSignal[], countedAt: number): Promise<void> {
    const service = this.host.engine?.queues;
    const root = projectRoot();
    if (!service || !root) return;
    const mappings = this.host.engine?.config.pathMappings ?? [];
    for (const q of queues) {
      const now = Date.now();
      let spots: { uri: vscode.Uri; diagnostic: vscode.Diagnostic; spot: FailureSpot }[] = [];
      let byName = new Map<string, number[]>();
      let complete = true;
      try {
        const f = await service.failures({ id: q.ref.id, connection: q.connection }, MAX_READ);
        const when = (j: (typeof f.jobs)[number]) => j.failedAt ?? (j.ageMs !== null ? now - j.ageMs : null);
        const recent = f.jobs.filter((j) => {
          const at = when(j);
          return at !== null && now - at <= FAILURE_WINDOW_MS;
        });
        byName = new Map();
        for (const j of recent) {
          const times = byName.get(j.name) ?? [];
          times.push(when(j) ?? now);
          byName.set(j.name, times);
        }
        // All of the window was read: every failed job was, or one older than the window was among them.
        complete = f.complete || recent.length < f.jobs.length;
        const groups = groupFailures(recent, now);
        const ids = idsByGroup(recent);
        spots = (await Promise.all(groups.map(async (group) => {
          const place = await topOwnFrame(group.frames, mappings, root, exists);
          if (!place) return undefined;
          const spot: FailureSpot = { ref: f.ref, group, ids: ids.get(group.key) ?? [] };
          return { uri: vscode.Uri.file(place.absolute), diagnostic: this.diagnostic(spot, place.line), spot };
        }))).filter((s): s is NonNullable<typeof s> => s !== undefined);
        this.schedule.record(q.key, { failed: q.failed, countedAt, readAt: now, failedAts: f.jobs.map((j) => j.failedAt), found: byName.size > 0 });
      } catch {
        // An unreachable Redis or a vanished queue: what was read before stays until it answers.
        const before = this.read.get(q.key);
        spots = before?.spots ?? [];
        byName = before?.byName ?? new Map();
        complete = before?.complete ?? false;
        this.schedule.keep(q.key, q.failed, now);
      }
      this.read.set(q.key, { spots, byName, complete });
    }
    this.publish();
  }

  /**
   * A handler's failed jobs of the last hour, per queue of its system: from the reads above (a queue
   * with no failed job at all counts 0 without one). Where the system keeps no failed jobs here, why.
   */
  failuresOf(site: NamedHandler, now = Date.now()): HandlerFailures {
    const queues = (this.host.engine?.lastSignals()?.queues ?? []).filter((q) => q.ref.system === site.system);
    // Laravel keeps failed jobs in Redis only under Horizon (its flow says which).
    const blind = queues.find((q) => q.lastHour.failed.value === null);
    if (site.system === 'laravel' && blind) return { kept: false, why: blind.lastHour.failed.source };
    // Celery places a failure in its queue only in a result backend with result_extended: no failed job anywhere is no sign of one.
    if (site.system === 'celery' && !queues.some((q) => q.failed > 0)) return { kept: false, why: 'Celery keeps failed tasks by queue only in a result backend with result_extended, and none is here' };
    // Sidekiq keeps a failed job until a retry succeeds: what is kept is the least that failed.
    const forgets = site.system === 'sidekiq';
    const byQueue: { where: string; count: number; atLeast: boolean }[] = [];
    for (const q of queues) {
      const where = queueLabel(q);
      const r = this.read.get(q.key);
      if (q.failed === 0) byQueue.push({ where, count: 0, atLeast: forgets });
      else if (r) {
        let count = 0;
        for (const [name, times] of r.byName) if (handlerMatches(site, name)) count += times.filter((at) => now - at <= FAILURE_WINDOW_MS).length;
        byQueue.push({ where, count, atLeast: forgets || !r.complete });
      }
    }
    return forgets ? { kept: true, byQueue, note: 'Sidekiq\'s retry and dead sets; a retry that succeeded leaves none' } : { kept: true, byQueue };
  }

  private diagnostic(spot: FailureSpot, line: number): vscode.Diagnostic {
    const { group, ref } = spot;
    const where = queueLabel(ref);
    const what = `${group.class ? `${group.class}: ` : ''}${group.example.replace(/^[\w.$\\:]+:\s+/, '')}`;
    const d = new vscode.Diagnostic(
      new vscode.Range(line - 1, 0, line - 1, 10_000),
      `${spot.ids.length} failure${spot.ids.length === 1 ? '' : 's'} in the last hour on ${where}: ${what}`,
      spot.ids.length >= FAILURES_ERROR_AT ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
    );
    d.source = FAILURE_SOURCE;
    d.code = FAILURE_CODE;
    d.relatedInformation = group.sampleIds.slice(0, SAMPLES_RELATED).map((id) => new vscode.DiagnosticRelatedInformation(new vscode.Location(jobUri(ref, id), new vscode.Position(0, 0)), `a failed job of the group: ${where} #${id}`));
    return d;
  }

  /** Every queue's spots, by file. */
  private publish(): void {
    const byFile = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    for (const r of this.read.values()) {
      for (const s of r.spots) {
        const e = byFile.get(s.uri.toString()) ?? { uri: s.uri, list: [] };
        e.list.push(s.diagnostic);
        byFile.set(s.uri.toString(), e);
      }
    }
    this.collection.clear();
    for (const e of byFile.values()) this.collection.set(e.uri, e.list);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
