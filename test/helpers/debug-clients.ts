// The editor's side of the debuggers a debug worker runs under, reduced to what a test needs: a
// breakpoint, the stop there, and where it stopped. DAP over TCP (debugpy, the Ruby debug gem: the
// editor connects) and DBGp (Xdebug: the editor listens and Xdebug connects). Real protocols, spoken
// to the real debuggers; no VS Code here.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Stop {
  line: number;
  file: string;
  /** The innermost frame's function, as the debugger names it. */
  where: string;
}

type DapMessage = { seq: number; type: 'response' | 'event' | 'request'; command?: string; event?: string; request_seq?: number; success?: boolean; message?: string; body?: Record<string, unknown> };

/** One DAP connection: requests by seq, events to listeners. */
export class DapClient {
  private seq = 0;
  private buf = Buffer.alloc(0);
  private readonly pending = new Map<number, (m: DapMessage) => void>();
  private readonly listeners: ((m: DapMessage) => void)[] = [];
  readonly events: DapMessage[] = [];

  private constructor(private readonly sock: Socket) {
    sock.on('data', (d) => this.onData(d));
    sock.on('error', () => undefined);
  }

  /** Connects, trying again while the debugger is not listening yet. */
  static async connect(port: number, timeoutMs = 20_000): Promise<DapClient> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        return new DapClient(sock);
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  request(command: string, args: Record<string, unknown> = {}): Promise<DapMessage> {
    const seq = ++this.seq;
    const body = Buffer.from(JSON.stringify({ seq, type: 'request', command, arguments: args }));
    this.sock.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
    return new Promise((resolve) => this.pending.set(seq, resolve));
  }

  /** The first event of that name (one seen already counts). */
  event(name: string, timeoutMs = 60_000, match: (m: DapMessage) => boolean = () => true): Promise<DapMessage> {
    const seen = this.events.find((e) => e.event === name && match(e));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${name}" event in ${timeoutMs} ms; events: ${this.events.map((e) => e.event).join(', ')}`)), timeoutMs);
      this.listeners.push((m) => {
        if (m.event === name && match(m)) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
  }

  /** Where a stopped thread is, from its innermost frame. */
  async where(threadId: number): Promise<Stop> {
    const r = await this.request('stackTrace', { threadId, startFrame: 0, levels: 1 });
    const f = (r.body?.stackFrames as { line: number; name: string; source?: { path?: string } }[] | undefined)?.[0];
    return { line: f?.line ?? -1, file: f?.source?.path ?? '', where: f?.name ?? '' };
  }

  close(): void {
    this.sock.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const head = this.buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, head).toString())?.[1] ?? NaN);
      if (!Number.isFinite(len) || this.buf.length < head + 4 + len) return;
      const m = JSON.parse(this.buf.subarray(head + 4, head + 4 + len).toString()) as DapMessage;
      this.buf = this.buf.subarray(head + 4 + len);
      if (m.type === 'response' && m.request_seq !== undefined) {
        this.pending.get(m.request_seq)?.(m);
        this.pending.delete(m.request_seq);
      } else if (m.type === 'event') {
        this.events.push(m);
        for (const l of this.listeners) l(m);
      }
    }
  }
}

/**
 * The IDE side of DBGp: listens on a port; Xdebug connects when the script starts, sends its init
 * packet, then answers commands. `breakAt` sets a line breakpoint and runs; `stopped` resolves with
 * the place of the first break.
 */
export class DbgpListener {
  private readonly server: Server;
  private sock: Socket | undefined;
  private buf = Buffer.alloc(0);
  private txid = 0;
  private readonly replies = new Map<number, (xml: string) => void>();
  private onInit: ((xml: string) => void) | undefined;
  readonly packets: string[] = [];

  private constructor(server: Server, readonly port: number) {
    this.server = server;
    server.on('connection', (s) => {
      this.sock ??= s;
      s.on('data', (d) => this.onData(d));
      s.on('error', () => undefined);
    });
  }

  static listen(): Promise<DbgpListener> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(new DbgpListener(server, (server.address() as { port: number }).port)));
    });
  }

  /** Xdebug's init packet (it connected). */
  init(timeoutMs = 30_000): Promise<string> {
    const seen = this.packets.find((p) => p.includes('<init '));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Xdebug did not connect in ${timeoutMs} ms`)), timeoutMs);
      this.onInit = (xml) => {
        clearTimeout(timer);
        resolve(xml);
      };
    });
  }

  command(cmd: string, args = ''): Promise<string> {
    const id = ++this.txid;
    this.sock?.write(`${cmd} -i ${id}${args ? ` ${args}` : ''}\0`);
    return new Promise((resolve) => this.replies.set(id, resolve));
  }

  /** A line breakpoint, then run until it breaks (the reply to run comes when it does). */
  async breakAt(file: string, line: number): Promise<Stop> {
    const set = await this.command('breakpoint_set', `-t line -f file://${file} -n ${line}`);
    if (!/\sid="\d+"/.test(set) || /<error/.test(set)) throw new Error(`breakpoint not set: ${set}`);
    const run = await this.command('run');
    if (!/status="break"/.test(run)) throw new Error(`did not break: ${run}`);
    const stack = await this.command('stack_get', '-d 0');
    const el = /<stack\s([^>]*)\/?>/.exec(stack)?.[1];
    if (!el) throw new Error(`no stack: ${stack}`);
    const xml = (v: string): string => v.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    const attr = (n: string): string => xml(new RegExp(`\\b${n}="([^"]*)"`).exec(el)?.[1] ?? '');
    return { where: attr('where'), file: decodeURIComponent(attr('filename').replace(/^file:\/\//, '')), line: Number(attr('lineno')) };
  }

  close(): Promise<void> {
    this.sock?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const z = this.buf.indexOf(0);
      if (z < 0) return;
      const len = Number(this.buf.subarray(0, z).toString());
      if (this.buf.length < z + 1 + len + 1) return;
      const xml = this.buf.subarray(z + 1, z + 1 + len).toString();
      this.buf = this.buf.subarray(z + 1 + len + 1);
      this.packets.push(xml);
      const id = Number(/transaction_id="(\d+)"/.exec(xml)?.[1] ?? NaN);
      if (xml.includes('<init ')) this.onInit?.(xml);
      else if (Number.isFinite(id)) {
        this.replies.get(id)?.(xml);
        this.replies.delete(id);
      }
    }
  }
}
