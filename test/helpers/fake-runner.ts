// An in-memory ProcessRunner (a port of src/core) for fake-clock unit tests of the state machines.
import type { ProcessHandlers, ProcessRunner, ProcessSpec, SpawnFailure } from '../../src/core/ports';

export interface FakeProc {
  pid: number;
  spec: ProcessSpec;
  handlers: ProcessHandlers;
  signals: string[];
  alive: boolean;
}

export class FakeRunner implements ProcessRunner {
  procs: FakeProc[] = [];
  private nextPid = 1000;
  failNext: SpawnFailure | undefined;
  /** What a process does on a signal: by default it exits on anything. */
  onSignal: (p: FakeProc, signal: string) => void = (p, s) => this.exit(p, null, s);

  async start(spec: ProcessSpec, handlers: ProcessHandlers): Promise<{ pid: number } | { failure: SpawnFailure }> {
    if (this.failNext) {
      const failure = this.failNext;
      this.failNext = undefined;
      return { failure };
    }
    const p: FakeProc = { pid: this.nextPid++, spec, handlers, signals: [], alive: true };
    this.procs.push(p);
    return { pid: p.pid };
  }

  async signalGroup(pid: number, signal: string): Promise<boolean> {
    const p = this.procs.find((x) => x.pid === pid);
    if (!p?.alive) return false;
    p.signals.push(signal);
    this.onSignal(p, signal);
    return true;
  }

  async isGroupAlive(pid: number): Promise<boolean> {
    return this.procs.some((x) => x.pid === pid && x.alive);
  }

  /** A handed-over process: it joins the list as alive, with the handlers the worker attaches. */
  attach(pid: number, handlers: ProcessHandlers): void {
    const p = this.procs.find((x) => x.pid === pid);
    if (p) p.handlers = handlers;
    else this.procs.push({ pid, spec: { workerId: '?', pool: '?', stop: { signal: 'SIGTERM', timeoutMs: 0 }, argv: [], cwd: '/', env: {} }, handlers, signals: [], alive: true });
  }

  exit(p: FakeProc, code: number | null, signal: string | null): void {
    if (!p.alive) return;
    p.alive = false;
    p.handlers.onExit(code, signal);
  }

  alive(): FakeProc[] {
    return this.procs.filter((p) => p.alive);
  }
}
