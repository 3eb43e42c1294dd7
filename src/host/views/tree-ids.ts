// Every tree item's id and contextValue, built here only. Ids are stable across refreshes (so rows
// hold still and keep their expansion); contextValues are what package.json's menus match on
// ("viewItem =~ /cap:cancel-pending/"), so their spelling lives in one place.
import type { JobState } from '../../queues/contract';
import { queueKey, type QueueRef } from '../../core/queue-ref';

export const treeId = {
  connection: (name: string): string => `conn:${name}`,
  system: (connection: string, system: string): string => `sys:${connection}/${system}`,
  queue: (ref: QueueRef): string => `queue:${queueKey(ref)}`,
  /** The same id from a queue's key (queueKey(ref)), where only the key is at hand. */
  queueOfKey: (key: string): string => `queue:${key}`,
  state: (ref: QueueRef, state: JobState): string => `state:${queueKey(ref)}/${state}`,
  job: (ref: QueueRef, state: JobState, jobId: string): string => `job:${queueKey(ref)}/${state}/${jobId}`,
  more: (stateId: string): string => `more:${stateId}`,
  supervisor: (id: string): string => `sup:${id}`,
  pool: (supervisor: string, pool: string): string => `pool:${supervisor}/${pool}`,
  worker: (supervisor: string, pool: string, worker: string): string => `worker:${supervisor}/${pool}/${worker}`,
  registry: (): string => 'registry',
  registered: (connection: string, system: string, worker: string): string => `registered:${connection}/${system}/${worker}`,
  tenant: (tenant: string): string => `tenant:${tenant}`,
  tenantQueue: (tenant: string, key: string): string => `tq:${tenant}/${key}`,
  tenantPool: (tenant: string, pool: string): string => `tp:${tenant}/${pool}`,
};

const rw = (readOnly: boolean): string => (readOnly ? 'ro' : 'rw');

export const contextValue = {
  connection: (readOnly: boolean): string => `connection.${rw(readOnly)}`,
  /** A system on a connection: its name and what it can do across its workers (restart, suspend). */
  system: (system: string, readOnly: boolean, caps: Iterable<string>, suspendable: boolean): string => ['system', `sys:${system}`, rw(readOnly), ...[...caps].map((c) => `cap:${c}`), ...(suspendable ? ['can:suspend'] : [])].join(';'),
  queue: (readOnly: boolean, paused: boolean, caps: Iterable<string>): string => ['queue', rw(readOnly), paused ? 'paused' : 'running', ...[...caps].map((c) => `cap:${c}`)].join(';'),
  state: (state: JobState, filtered = false): string => `state.${state}${filtered ? ';filtered' : ''}`,
  job: (state: JobState, readOnly: boolean, caps: Iterable<string>): string => ['job', `state:${state}`, rw(readOnly), ...[...caps].map((c) => `cap:${c}`)].join(';'),
  supervisor: (own: boolean): string => (own ? 'supervisor.own' : 'supervisor.remote'),
  pool: (own: boolean, stopped: boolean): string => `pool.${own ? 'own' : 'remote'}.${stopped ? 'stopped' : 'running'}`,
  worker: (own: boolean): string => `worker.${own ? 'own' : 'remote'}`,
  /** A worker a queue system registered: what its own channel can ask of it (quiet, stop). */
  registered: (actions: readonly string[]): string => ['registered', ...actions.map((a) => `can:${a}`)].join(';'),
  tenant: (): string => 'tenant',
  tenantChild: (kind: 'queue' | 'pool'): string => `tenant.${kind}`,
  message: (): string => 'message',
};
