// The three contenders of the supervisor benchmark, behind one small interface.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigText } from '../src/core/config/parse-config';
import type { Pool } from '../src/core/pool';
import { Engine } from '../src/engine';
import { silentLogger } from '../src/node/console-logger';

export const WORKER = path.resolve(__dirname, '..', '..', 'bench', 'fixtures', 'bench-worker.js');
const SPAWNER = path.resolve(__dirname, '..', '..', 'dist', 'spawner.js');

export interface Contender {
  name: string;
  /** Issues the start of n workers (resolves when asked, not when they are up). */
  start(n: number): Promise<void>;
  /** Stops every worker; resolves when the supervisor says they are gone. */
  stop(): Promise<void>;
  /** Untimed clean-up after a stop, before the next start. */
  reset?(): Promise<void>;
  /** CPU time (ms) used so far by the supervising process(es). */
  cpuMs(): number;
  teardown(): Promise<void>;
}

/** utime+stime of a process, in ms, from /proc. */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // CLK_TCK is 100 on Linux
}

function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** spawn() directly in this process: the floor anything else is compared to. */
export class RawContender implements Contender {
  name = 'raw spawn';
  private children = new Set<ChildProcess>();
  private stopping = false;
  constructor(private readonly port: number) {}

  async start(n: number): Promise<void> {
    this.stopping = false;
    for (let i = 0; i < n; i++) this.spawnOne();
  }

  private spawnOne(): void {
    const c = spawn(process.execPath, [WORKER], { env: { ...process.env, BENCH_PORT: String(this.port) }, stdio: 'ignore' });
    this.children.add(c);
    c.once('exit', () => {
      this.children.delete(c);
      if (!this.stopping) this.spawnOne(); // restart at once, like a supervisor with no delay
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const all = [...this.children];
    await Promise.all(all.map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGTERM'))))));
  }

  cpuMs(): number {
    return ownCpuMs();
  }

  async teardown(): Promise<void> {
    await this.stop();
  }
}

export class ChaperoneContender implements Contender {
  name: string;
  private engine: Engine;
  private pool: Pool;

  constructor(port: number, redisUrl: string, heartbeat = '2s') {
    this.name = `Chaperone (heartbeat ${heartbeat})`;
    const text = JSON.stringify({
      supervisor: { sampleInterval: '1s', heartbeat },
      pools: {
        bench: {
          command: [process.execPath, WORKER], env: { BENCH_PORT: String(port) }, autostart: false,
          processes: { min: 0, max: 50, initial: 0 },
          restart: { delay: 0, maxDelay: 0, jitter: 0, minUptime: '100ms', maxRestarts: 100_000 },
          stop: { timeout: '10s' },
        },
      },
    });
    const { config } = parseConfigText(text, path.join(os.tmpdir(), 'bench-chaperone.json'));
    this.engine = new Engine({ config, logger: silentLogger, spawnerPath: SPAWNER, redisUrl, supervisorId: `bench-${heartbeat}` });
    this.pool = this.engine.supervisor.pools.get('bench') as Pool;
  }

  async init(): Promise<void> {
    await this.engine.start();
    // Let the spawner come up before anything is timed (it is started once per editor session).
    this.pool.scale(1);
    await new Promise((r) => setTimeout(r, 500));
    await this.pool.drain();
  }

  async start(n: number): Promise<void> {
    this.pool.scale(n);
  }

  async stop(): Promise<void> {
    await this.pool.drain();
  }

  cpuMs(): number {
    const sp = this.engine.runner.spawnerPid;
    return ownCpuMs() + (sp ? procCpuMs(sp) : 0);
  }

  async teardown(): Promise<void> {
    await this.engine.shutdown(5000);
  }
}

interface Pm2Api {
  connect(cb: (err: Error | null) => void): void;
  start(opts: object, cb: (err: Error | null) => void): void;
  delete(name: string, cb: (err: Error | null) => void): void;
  stop(name: string, cb: (err: Error | null) => void): void;
  killDaemon(cb: (err: Error | null) => void): void;
  disconnect(): void;
}

export class Pm2Contender implements Contender {
  name = 'PM2';
  private pm2!: Pm2Api;
  private home = mkdtempSync(path.join(os.tmpdir(), 'bench-pm2-'));
  constructor(private readonly port: number) {}

  async init(): Promise<void> {
    process.env.PM2_HOME = this.home; // read by pm2 when it is loaded
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- must load after PM2_HOME is set
    this.pm2 = require('pm2') as Pm2Api;
    await new Promise<void>((r, j) => this.pm2.connect((e) => (e ? j(e) : r())));
  }

  godPid(): number {
    return Number(readFileSync(path.join(this.home, 'pm2.pid'), 'utf8'));
  }

  start(n: number): Promise<void> {
    return new Promise((r, j) =>
      this.pm2.start(
        { script: WORKER, name: 'bench', instances: n, exec_mode: 'fork', env: { BENCH_PORT: String(this.port) }, autorestart: true, restart_delay: 0, min_uptime: 100, max_restarts: 100_000, kill_timeout: 10_000 },
        (e) => (e ? j(e) : r()),
      ),
    );
  }

  stop(): Promise<void> {
    return new Promise((r, j) => this.pm2.stop('bench', (e) => (e ? j(e) : r())));
  }

  reset(): Promise<void> {
    return new Promise((r, j) => this.pm2.delete('bench', (e) => (e ? j(e) : r())));
  }

  cpuMs(): number {
    return procCpuMs(this.godPid());
  }

  async teardown(): Promise<void> {
    await new Promise<void>((r) => this.pm2.killDaemon(() => r()));
    this.pm2.disconnect();
  }
}
