// The reaper: a tiny process, in a session of its own, that the spawner starts and keeps informed of
// every worker. Its only job is the one case the spawner cannot handle: its own sudden death (SIGKILL,
// an OOM kill). Then, unless the supervisor that controlled the spawner is still alive (it replaces
// its orphans itself, replacement first), every worker gets its pool's stop signal and, at its stop
// timeout, SIGKILL; no worker runs on unsupervised. A clean spawner exit says 'done' first.
import { isSameProcess } from '../platform';
import type { ReaperMessage } from './reaper-protocol';
import { liveChildren, parseRuntimeChild, type RuntimeChild } from './runtime-state';
import { stopChildren } from './stop-children';

const WATCH_MS = 250;
const children = new Map<number, RuntimeChild>();
let controller: { pid: number; startTime: string } | null = null;
let done = false;

process.on('message', (raw: unknown) => {
  const m = raw as Partial<ReaperMessage> | null;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'child') {
    const c = parseRuntimeChild(m.child);
    if (c) children.set(c.pid, c);
  } else if (m.type === 'gone' && typeof m.pid === 'number') {
    children.delete(m.pid);
  } else if (m.type === 'controller') {
    const c = m.controller;
    controller = c && typeof c.pid === 'number' && typeof c.startTime === 'string' ? { pid: c.pid, startTime: c.startTime } : null;
  } else if (m.type === 'done') {
    done = true;
    process.exit(0);
  }
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function onSpawnerGone(): Promise<void> {
  for (;;) {
    const live = await liveChildren([...children.values()]);
    if (live.length === 0) process.exit(0);
    // The supervisor lives on: it watches its orphans and replaces them; keep watching in case it dies too.
    if (controller && (await isSameProcess(controller.pid, controller.startTime))) {
      await sleep(WATCH_MS);
      continue;
    }
    const r = await stopChildren(live);
    process.stderr.write(`${new Date().toISOString()} warn reaper ${process.pid}: the spawner died; stopped ${r.stopped.length} worker(s), killed ${r.killed.length} at their stop timeout\n`);
    process.exit(0);
  }
}

process.on('disconnect', () => {
  if (!done) void onSpawnerGone();
});
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
