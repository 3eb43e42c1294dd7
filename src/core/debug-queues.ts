// A debug worker reads queues of its own, so that a job replayed into them reaches it and no other
// worker: each of the pool's queues (its "queues" in chaperone.json) that the pool's command or env
// names is renamed to "<queue>.debug" in the debug worker's copy of them. Only whole names are
// renamed: an argument, a flag's value (--queue=emails, QUEUE=emails), an item of a comma list
// (-Q emails,reports), an env value. A queue the command does not name is read as it is, and the
// debug worker has no queue of its own for it (a replay into it is refused, saying why).

export const DEBUG_QUEUE_SUFFIX = '.debug';

/** One of the pool's queues and the queue its debug worker reads instead (both as SYSTEM:QUEUE, as the pool names them). */
export interface QueueRedirect {
  from: string;
  to: string;
}

export interface RedirectedCommand {
  command: string[];
  /** Only the env entries that changed. */
  env: Record<string, string>;
  redirects: QueueRedirect[];
}

/** "bullmq:emails" -> "emails"; "systems/rq:emails" -> "emails" (the connection is kept apart). */
function queueName(ref: string): string {
  return ref.slice(ref.indexOf(':') + 1);
}

/** The value with each comma-separated item equal to a name renamed; which names were. */
function renameIn(value: string, names: ReadonlySet<string>, hit: Set<string>): string {
  return value.split(',').map((item) => {
    if (!names.has(item)) return item;
    hit.add(item);
    return `${item}${DEBUG_QUEUE_SUFFIX}`;
  }).join(',');
}

/** An argument, or the value after "=" of a flag (--queue=x) or an assignment (QUEUE=x). */
function renameArg(arg: string, names: ReadonlySet<string>, hit: Set<string>): string {
  const eq = /^(-{1,2}[\w-]+=|[A-Za-z_][\w]*=)(.*)$/s.exec(arg);
  return eq ? `${eq[1]}${renameIn(eq[2], names, hit)}` : renameIn(arg, names, hit);
}

export function redirectQueues(command: readonly string[], env: Readonly<Record<string, string>>, queues: readonly string[]): RedirectedCommand {
  const names = new Set(queues.map(queueName).filter((n) => n !== '' && !n.endsWith(DEBUG_QUEUE_SUFFIX)));
  const hit = new Set<string>();
  // The program itself is never renamed.
  const out = command.map((a, i) => (i === 0 ? a : renameArg(a, names, hit)));
  const changed: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const r = renameIn(v, names, hit);
    if (r !== v) changed[k] = r;
  }
  const redirects = queues.filter((q) => hit.has(queueName(q))).map((q) => ({ from: q, to: `${q}${DEBUG_QUEUE_SUFFIX}` }));
  return { command: out, env: changed, redirects };
}
