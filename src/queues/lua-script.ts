// The one way every adapter calls Lua: EVALSHA of the script's SHA1 (computed here, so no SCRIPT
// LOAD round trip), and EVAL when Redis does not have it (first use, a restart, SCRIPT FLUSH),
// which also caches it for the next call. On a Cluster the script carries the cross-slot flag
// (each node has its own cache; the fallback works per node).
import { createHash } from 'node:crypto';
import { TURN_BUDGET_MS } from '../core/turn-budget';
import { isCluster, pipelineByNode, type PipelineResult, type RedisClient } from './redis-client';

type Pipeline = ReturnType<RedisClient['pipeline']>;
type Arg = string | number;
/** How a script goes out in a pipeline: by its SHA1, or (after a NOSCRIPT) with its source. */
export type ScriptMode = 'sha' | 'source';

export function isNoScript(err: unknown): boolean {
  return err instanceof Error && /NOSCRIPT/.test(err.message);
}

export class LuaScript {
  private readonly plain: { source: string; sha: string };
  private readonly cluster: { source: string; sha: string };

  /** crossSlot: the script reads keys of several slots (a chunk of queues), allowed on a Cluster (Redis 7+). */
  constructor(body: string, opts: { crossSlot?: boolean } = {}) {
    const variant = (source: string) => ({ source, sha: createHash('sha1').update(source).digest('hex') });
    this.plain = variant(body);
    this.cluster = opts.crossSlot ? variant(`#!lua flags=allow-cross-slot-keys\n${body}`) : this.plain;
  }

  private of(client: RedisClient): { source: string; sha: string } {
    return isCluster(client) ? this.cluster : this.plain;
  }

  /** One call, as EVAL takes its arguments (numKeys, keys..., args...). */
  async run(client: RedisClient, numKeys: number, ...args: Arg[]): Promise<unknown> {
    const { source, sha } = this.of(client);
    try {
      return await client.evalsha(sha, numKeys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return client.eval(source, numKeys, ...args);
    }
  }

  /** Queued in a pipeline that execScripts / scriptsByNode sends. */
  queue(pipe: Pipeline, client: RedisClient, mode: ScriptMode, numKeys: number, ...args: Arg[]): void {
    const { source, sha } = this.of(client);
    if (mode === 'sha') pipe.evalsha(sha, numKeys, ...args);
    else pipe.eval(source, numKeys, ...args);
  }
}

/** A pipeline built by `build`, its scripts by SHA1; built and sent again with their sources if Redis lacked one. */
export async function execScripts(client: RedisClient, build: (pipe: Pipeline, mode: ScriptMode) => void): Promise<PipelineResult[]> {
  const send = async (mode: ScriptMode): Promise<PipelineResult[]> => {
    const pipe = client.pipeline();
    build(pipe, mode);
    return ((await pipe.exec()) ?? []) as PipelineResult[];
  };
  const first = await send('sha');
  return first.some(([err]) => isNoScript(err)) ? send('source') : first;
}

/** pipelineByNode with the same fallback: one pipeline per node, sent again with sources after a NOSCRIPT. */
export async function scriptsByNode<T>(client: RedisClient, items: readonly T[], keyOf: (item: T) => string, add: (pipe: Pipeline, item: T, mode: ScriptMode) => void): Promise<PipelineResult[][]> {
  const first = await pipelineByNode(client, items, keyOf, (pipe, item) => add(pipe, item, 'sha'));
  return first.some((rs) => rs.some(([err]) => isNoScript(err))) ? pipelineByNode(client, items, keyOf, (pipe, item) => add(pipe, item, 'source')) : first;
}

/**
 * One call of `script` per item, each sent the moment its arguments are built, and each reply
 * handed to `take` as it arrives. Redis runs the first call while the client builds the next, and
 * the client reads a reply while Redis runs the next call: the two overlap, where a pipeline
 * sends nothing until every call is built and hands back nothing until every reply is in. Still
 * one round trip: no call waits on another's reply (only its taking waits on the calls before it).
 * Building and sending yields to the loop before a call that would end past TURN_BUDGET_MS (1000
 * queues' calls took 1.7-2.7 ms in one turn). `build` gives EVAL's numKeys and
 * its keys and arguments; a call is sent again with its source after a NOSCRIPT (`run`).
 */
export async function runEach<T, R>(client: RedisClient, script: LuaScript, items: readonly T[], build: (item: T) => [numKeys: number, args: Arg[]], take: (item: T, reply: unknown) => R | PromiseLike<R>): Promise<R[]> {
  const calls: Promise<R>[] = [];
  let previous: Promise<unknown> = Promise.resolve();
  let turn = performance.now();
  // The longest call (building and sending) of this turn: a call is started only where one as long
  // still ends within the budget, so a turn ends near it rather than up to a call past it (the
  // first send, which wakes Redis, takes 0.2 ms on a virtual machine; a slowed CPU, more per call).
  let longest = 0;
  for (const item of items) {
    let began = performance.now();
    if (calls.length > 0 && began - turn + longest >= TURN_BUDGET_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      began = turn = performance.now();
      longest = 0;
    }
    const [numKeys, args] = build(item);
    // Taken in the calls' order: a reply can overtake an earlier call's when that call found the
    // script missing (the first reading after a start or a SCRIPT FLUSH) and went again with its
    // source, while a later call found it cached by then. It waits for the earlier one to be taken,
    // so the parts of a reading come in order (the queues are first seen, and listed, in it).
    const call = Promise.all([script.run(client, numKeys, ...args), previous]).then(([reply]) => take(item, reply));
    // Awaited below with the others; a failure while later calls are still being sent is not left unheard.
    call.catch(() => undefined);
    previous = call;
    calls.push(call);
    longest = Math.max(longest, performance.now() - began);
  }
  return Promise.all(calls);
}
