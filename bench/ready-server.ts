// Workers of every contender report readiness here, so all are timed the same way.
import * as net from 'node:net';

export class ReadyServer {
  private server = net.createServer((sock) => this.onConn(sock));
  private sockets = new Map<number, net.Socket>();
  private events: { pid: number; at: number }[] = [];
  private waiters: (() => void)[] = [];
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  close(): void {
    for (const s of this.sockets.values()) s.destroy();
    this.server.close();
  }

  get mark(): number {
    return this.events.length;
  }

  pids(): number[] {
    return [...this.sockets.keys()];
  }

  /** Resolves with the time of the n-th ready event after `mark` that satisfies `accept`. */
  async waitReady(n: number, mark: number, accept: (pid: number) => boolean = () => true, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hits = this.events.slice(mark).filter((e) => accept(e.pid));
      if (hits.length >= n) return hits[n - 1].at;
      if (Date.now() > deadline) throw new Error(`only ${hits.length}/${n} workers became ready`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  crash(pid: number): void {
    this.sockets.get(pid)?.write('crash\n');
  }

  private onConn(sock: net.Socket): void {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      const m = /ready (\d+)\n/.exec(buf);
      if (m) {
        const pid = Number(m[1]);
        const at = performance.now();
        this.sockets.set(pid, sock);
        this.events.push({ pid, at });
        sock.on('close', () => this.sockets.get(pid) === sock && this.sockets.delete(pid));
        this.waiters.splice(0).forEach((w) => w());
      }
    });
    sock.on('error', () => undefined);
  }
}
