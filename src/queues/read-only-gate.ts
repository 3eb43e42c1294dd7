// The one read-only gate: every adapter of a read-only connection is built behind it (registry.ts),
// so no caller, whichever path it takes (QueueService, a drain's pause, a future view), can write
// through it. Reads pass; every write answers "refused" naming the connection; only read
// capabilities are offered, so the views and menus never show a write there.
import { refused, type ActionResult, type Capability, type QueueAdapter } from './contract';

/** Capabilities that change nothing. */
const READ_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>(['workers']);

export function readOnlyGate(inner: QueueAdapter): QueueAdapter {
  const no = (what: string): Promise<ActionResult> => Promise.resolve(refused(`connection "${inner.connection}" is read-only: ${what}`));
  // A getter: some adapters' capabilities change at run time (Laravel when Horizon appears). The
  // filtered set is rebuilt only when the inner one changes (the views ask for it on every row).
  let seen: ReadonlySet<Capability> | undefined;
  let filtered: ReadonlySet<Capability> = new Set();
  return {
    system: inner.system,
    connection: inner.connection,
    get capabilities(): ReadonlySet<Capability> {
      if (inner.capabilities !== seen) {
        seen = inner.capabilities;
        filtered = new Set([...seen].filter((c) => READ_CAPABILITIES.has(c)));
      }
      return filtered;
    },
    discover: (force) => inner.discover(force),
    counts: (queues, now, part) => inner.counts(queues, now, part),
    list: (queue, state, limit, now) => inner.list(queue, state, limit, now),
    flow: (queues, now) => inner.flow(queues, now),
    workers: (queue) => inner.workers(queue),
    search: (queue, state, query, now) => inner.search(queue, state, query, now),
    get: (queue, id) => inner.get(queue, id),
    ...(inner.locate ? { locate: (id: string) => inner.locate?.(id) ?? Promise.resolve(undefined) } : {}),
    close: () => inner.close(),
    cancel: (q) => no(`${q.id} is not changed`),
    retry: (q) => no(`${q.id} is not changed`),
    promote: (q) => no(`${q.id} is not changed`),
    pause: (q) => no(`${q.id} is not paused`),
    resume: (q) => no(`${q.id} is not resumed`),
    markFailed: (q) => no(`${q.id} is not changed`),
    clean: (q) => no(`${q.id} is not changed`),
    purge: (q) => no(`${q.id} is not changed`),
    kill: (q) => no(`${q.id} is not changed`),
    deleteFailed: (q) => no(`${q.id} is not changed`),
    replay: (q) => no(`nothing is added to ${q.id}`),
    cancelActive: (q) => no(`${q.id} is not changed`),
    stopWorker: () => no('no worker is signalled'),
    suspend: (on) => no(`${inner.system} workers are not ${on ? 'suspended' : 'resumed'}`),
    restartWorkers: () => no(`${inner.system} workers are not restarted`),
  };
}
