// A private redis-server that speaks TLS only (rediss://), with a throwaway CA and server
// certificate made by openssl in a temporary directory, and optionally a password.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { freePort } from './redis-server';
import { waitFor } from './wait';

const run = (args: string[], cwd: string) =>
  new Promise<void>((resolve, reject) => execFile('openssl', args, { cwd }, (err, _o, stderr) => (err ? reject(new Error(`openssl ${args[0]}: ${stderr}`)) : resolve())));

export class TestTlsRedis {
  private constructor(
    readonly port: number,
    /** The CA that signed the server's certificate (for NODE_EXTRA_CA_CERTS). */
    readonly caFile: string,
    private readonly proc: ChildProcess,
  ) {}

  get url(): string {
    return `rediss://127.0.0.1:${this.port}`;
  }

  static async start(password?: string): Promise<TestTlsRedis> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chaperone-tls-'));
    await run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=chaperone-test-ca'], dir);
    await run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
    writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    await run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf'], dir);
    const port = await freePort();
    const args = ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', 'server.crt', '--tls-key-file', 'server.key',
      '--tls-ca-cert-file', 'ca.crt', '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', dir, ...(password ? ['--requirepass', password] : [])];
    const proc = spawn(process.env.REDIS_SERVER ?? 'redis-server', args, { cwd: dir, stdio: 'ignore' });
    const s = new TestTlsRedis(port, path.join(dir, 'ca.crt'), proc);
    await waitFor(async () => {
      const c = s.client(password);
      try {
        await c.connect();
        return (await c.ping()) === 'PONG' ? true : undefined;
      } catch {
        return undefined;
      } finally {
        c.disconnect();
      }
    }, 'TLS redis-server up', 10_000, 100);
    return s;
  }

  client(password?: string): Redis {
    const c = new Redis(this.port, '127.0.0.1', { tls: { ca: readFileSync(this.caFile) }, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    return c;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await gone;
  }
}
