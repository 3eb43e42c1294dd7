// What a job document's title bar offers: by the kind of state the job was in when read (each
// system names its states its own way) and by what its adapter can do. No vscode here: unit-tested.
import type { Capability, JobState } from '../queues/contract';

/** The actions a job document's title bar offers, by what the job is and what its adapter can do. */
export type JobAction = 'retry' | 'cancel' | 'promote' | 'delete' | 'replay';

/** The system's own name for a state, as the kind of state the actions need. */
export function stateKind(state: string): JobState | undefined {
  const s = state.toLowerCase();
  if (/fail|dead|retry/.test(s)) return 'failed';
  if (/eta|delay|schedul/.test(s)) return 'delayed';
  if (/active|started|reserved|running|busy/.test(s)) return 'active';
  if (/pending|wait|queued|enqueued|prioritized/.test(s)) return 'pending';
  return undefined;
}

export function jobActions(kind: JobState | undefined, caps: ReadonlySet<Capability>): JobAction[] {
  const out: JobAction[] = [];
  if (kind === 'failed' && caps.has('retry-failed')) out.push('retry');
  if ((kind === 'pending' && caps.has('cancel-pending')) || (kind === 'delayed' && caps.has('cancel-delayed')) || (kind === 'active' && caps.has('cancel-active'))) out.push('cancel');
  if (kind === 'delayed' && caps.has('promote-delayed')) out.push('promote');
  if (kind === 'failed' && caps.has('delete-failed')) out.push('delete');
  if (kind === 'failed' && caps.has('replay-failed')) out.push('replay');
  return out;
}

