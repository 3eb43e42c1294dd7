// A private three-master Redis Cluster on free ports (redis-server --cluster-enabled, joined with
// redis-cli --cluster create), each node in its own directory, killed at the end.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { freePort } from './redis-server';
import { waitFor } from './wait';

export class TestCluster {
  private constructor(
    readonly ports: number[],
    private readonly procs: ChildProcess[],
  ) {}

  /** "127.0.0.1:p1,127.0.0.1:p2,..." */
  get nodes(): string[] {
    return this.ports.map((p) => `127.0.0.1:${p}`);
  }

  static async start(masters = 3): Promise<TestCluster> {
    const ports: number[] = [];
    while (ports.length < masters) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const bin = process.env.REDIS_SERVER ?? 'redis-server';
    const procs = ports.map((port) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'chaperone-cluster-'));
      return spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'),
        '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    });
    const c = new TestCluster(ports, procs);
    try {
      for (const port of ports) await waitFor(() => ping(port), `cluster node ${port} up`, 10_000, 50);
      await new Promise<void>((resolve, reject) => {
        execFile('redis-cli', ['--cluster', 'create', ...c.nodes, '--cluster-replicas', '0', '--cluster-yes'], (err, _out, stderr) => (err ? reject(new Error(`redis-cli --cluster create: ${stderr}`)) : resolve()));
      });
      for (const port of ports) await waitFor(() => clusterOk(port), `cluster state ok on ${port}`, 15_000, 100);
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => {
      if (p.exitCode !== null || p.signalCode !== null) return undefined;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      return gone;
    }));
  }
}

async function withClient<T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T | undefined> {
  const c = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await fn(c);
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

const ping = (port: number) => withClient(port, async (c) => ((await c.ping()) === 'PONG' ? true : undefined));
const clusterOk = (port: number) => withClient(port, async (c) => (/cluster_state:ok/.test(String(await c.call('CLUSTER', 'INFO'))) ? true : undefined));
