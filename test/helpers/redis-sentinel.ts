// A private Redis Sentinel (redis-server --sentinel) on a free port, monitoring a test master with
// quorum 1 and short timeouts, so that a failover happens within a few seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Redis from 'ioredis';
import { tempDir } from './engine-harness';
import { freePort } from './redis-server';
import { waitFor } from './wait';

export class TestSentinel {
  private constructor(
    readonly port: number,
    private readonly proc: ChildProcess,
  ) {}

  static async start(masterName: string, masterPort: number): Promise<TestSentinel> {
    const port = await freePort();
    const conf = path.join(tempDir(), 'sentinel.conf'); // sentinel rewrites its config: a file of its own
    writeFileSync(conf, [
      `port ${port}`, 'bind 127.0.0.1', 'protected-mode yes',
      `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${masterName} 500`,
      `sentinel failover-timeout ${masterName} 3000`,
      '',
    ].join('\n'));
    const proc = spawn(process.env.REDIS_SERVER ?? 'redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const s = new TestSentinel(port, proc);
    await waitFor(async () => ((await s.masterPort(masterName).catch(() => undefined)) === masterPort ? true : undefined), 'sentinel knows the master', 10_000, 100);
    return s;
  }

  /** The port of the current master, as this sentinel sees it. */
  async masterPort(masterName: string): Promise<number> {
    const c = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    try {
      await c.connect();
      const [, port] = (await c.call('SENTINEL', 'get-master-addr-by-name', masterName)) as [string, string];
      return Number(port);
    } finally {
      c.disconnect();
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await gone;
  }
}
