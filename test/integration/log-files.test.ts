// Pool log files with real processes: a worker writing 100 MB is rotated to the configured size and
// count, no line lost or cut, and the spawner's memory stays bounded while it floods.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { node, startEngine, tempDir, type Harness } from '../helpers/engine-harness';
import { FIXTURES } from '../helpers/paths';
import { runCli } from '../helpers/run-cli';
import { waitFor } from '../helpers/wait';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { CLI, SPAWNER } from '../helpers/paths';
import { fork } from 'node:child_process';
import { createConnection } from 'node:net';
import { TestRedis } from '../helpers/redis-server';

const FLOOD = path.join(FIXTURES, 'workers', 'flood.js');

/** Peak resident memory of a process, from /proc (Linux). */
function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function spawnerPid(h: Harness): number {
  const worker = h.workers('flood')[0];
  const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1]);
  return ppid;
}

describe('pool log files', function () {
  this.timeout(240_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.engine.shutdown(5000);
    h = undefined;
  });

  it('a worker writing 100 MB is rotated to maxSize and keep, every line whole and in order, memory bounded', async () => {
    const dir = tempDir();
    const lines = 1_000_000; // 100 bytes each (with the stamp ~140 on disk): 100 MB from the worker
    h = await startEngine({
      pools: {
        flood: {
          command: node(FLOOD), processes: 1, env: { FLOOD_LINES: String(lines), FLOOD_BYTES: '100' },
          logs: { file: 'logs/flood.log', maxSize: '10MB', keep: 3 },
        },
      },
    }, { dir });
    const log = path.join(dir, 'logs', 'flood.log');
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('flood done'), 'the last line on disk', 200_000, 500);
    const files = readdirSync(path.join(dir, 'logs')).sort();
    assert.deepEqual(files, ['flood.log', 'flood.log.1', 'flood.log.2', 'flood.log.3']);
    for (const f of files) assert.ok(statSync(path.join(dir, 'logs', f)).size <= 10_000_000, `${f}: ${statSync(path.join(dir, 'logs', f)).size} bytes`);
    for (const f of files.slice(1)) assert.ok(statSync(path.join(dir, 'logs', f)).size > 9_000_000, `${f} is filled before it rotates`);
    // Oldest kept file first: the sequence numbers run without a gap to the last one.
    const text = ['flood.log.3', 'flood.log.2', 'flood.log.1', 'flood.log'].map((f) => readFileSync(path.join(dir, 'logs', f), 'utf8')).join('');
    const kept = text.split('\n').filter(Boolean);
    const stamped = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z flood-1 (stdout|stderr) (.*)$/;
    const seqs: { n: number; stream: string }[] = [];
    for (const l of kept) {
      const m = stamped.exec(l);
      assert.ok(m, `a line not whole or not stamped: ${l.slice(0, 120)}`);
      if (m[2] === 'flood done') continue;
      const s = /^seq (\d{9}) x+$/.exec(m[2]);
      assert.ok(s, `a cut line: ${l.slice(0, 120)}`);
      seqs.push({ n: Number(s[1]), stream: m[1] });
    }
    // stdout and stderr are two pipes (their lines interleave a little): each is in order, complete
    // from its oldest kept line to the last one, and no line is there twice.
    let oldest = lines;
    for (const stream of ['stdout', 'stderr']) {
      const ns = seqs.filter((x) => x.stream === stream).map((x) => x.n);
      for (let i = 1; i < ns.length; i++) assert.ok(ns[i] > ns[i - 1], `${stream} out of order at ${ns[i - 1]} -> ${ns[i]}`);
      let expected = 0;
      for (let n = ns[0]; n < lines; n++) if ((n % 10 === 9) === (stream === 'stderr')) expected++;
      assert.equal(ns.length, expected, `${stream}: no line lost from ${ns[0]} on`);
      assert.equal(ns.at(-1), stream === 'stderr' ? lines - 1 : lines - 2, `${stream}: the last line is there`);
      oldest = Math.min(oldest, ns[0]);
    }
    assert.ok(oldest > 0, 'the oldest lines fell off with the oldest file');
    const peak = peakRssBytes(spawnerPid(h));
    console.log(`      spawner peak RSS ${Math.round(peak / 2 ** 20)} MiB`);
    assert.ok(peak < 120 * 1024 * 1024, `the spawner's peak memory ${Math.round(peak / 2 ** 20)} MiB while 100 MB passed through it`);

    // The CLI reads the files back, also without a supervisor.
    const cli = await runCli(['logs', 'flood', '--files', '--lines', '3', '--config', path.join(dir, 'chaperone.json')]);
    assert.equal(cli.code, 0, cli.stderr);
    const out = cli.stdout.trim().split('\n');
    assert.equal(out.length, 3, cli.stdout);
    // The file's last three lines, in the order they reached it (the two pipes drain on their own,
    // so stderr's last lines can come after stdout's "flood done"): stdout marked |, stderr !.
    const lastOnDisk = kept.slice(-3).map((l) => stamped.exec(l) as RegExpExecArray);
    assert.deepEqual(out.map((l) => l.replace(/^\S+ /, '')), lastOnDisk.map((m) => `flood-1 ${m[1] === 'stdout' ? '|' : '!'} ${m[2]}`), cli.stdout);
  });

  it('stderr in a file of its own; a missing folder is created; timestamps off writes the text alone', async () => {
    const dir = tempDir();
    h = await startEngine({
      pools: {
        flood: {
          command: node(FLOOD), processes: 2, env: { FLOOD_LINES: '200', FLOOD_BYTES: '40' },
          logs: { file: 'a/b/out.log', stderrFile: 'a/b/err.log', timestamps: false },
        },
      },
    }, { dir });
    const out = path.join(dir, 'a', 'b', 'out.log');
    const err = path.join(dir, 'a', 'b', 'err.log');
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8').split('flood done').length === 3, 'both workers done', 20_000);
    // stderr is a pipe of its own, drained and written on its own: its last lines can reach
    // err.log after stdout's "flood done" reached out.log. Wait for them, then check each line.
    const linesIn = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []);
    await waitFor(() => linesIn(err).length >= 2 * 20, 'both workers\' stderr', 10_000)
      .catch(() => assert.fail(`err.log holds ${linesIn(err).length} lines of 40`));
    const o = readFileSync(out, 'utf8').trim().split('\n');
    const e = readFileSync(err, 'utf8').trim().split('\n');
    assert.equal(o.length, 2 * 180 + 2, 'stdout of both workers, each line once');
    assert.equal(e.length, 2 * 20, 'stderr of both workers');
    assert.ok(e.every((l) => /^seq \d{8}9 x+$/.test(l)), e[0]);
  });

  it('supervise --output streams every worker\'s lines with its pool/worker prefix while the file gets them too', async () => {
    const redis = await TestRedis.start();
    const dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({
      redis: { url: redis.url },
      pools: { flood: { command: node(FLOOD), processes: 1, env: { FLOOD_LINES: '10', FLOOD_BYTES: '30' }, logs: { file: 'out.log' } } },
    }));
    const p = spawn(process.execPath, [CLI, 'supervise', '--no-signals', '--quiet', '--output'], { cwd: dir, env: { ...process.env, CHAPERONE_RUNTIME_DIR: path.join(dir, 'run') } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // stdout and stderr are two pipes: the last line of each, in either order.
      await waitFor(() => out.includes('flood/1 | flood done') && /^flood\/1 ! seq 000000009 x+$/m.test(out), 'the last line of each stream', 20_000)
        .catch((err: unknown) => assert.fail(`${String(err)}:\n${out}`));
      assert.match(out, /^flood\/1 \| seq 000000000 x+$/m);
      await waitFor(() => existsSync(path.join(dir, 'out.log')) && readFileSync(path.join(dir, 'out.log'), 'utf8').includes('flood done'), 'the file too', 10_000);
    } finally {
      const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
      p.kill('SIGTERM');
      assert.equal(await exited, 0);
      await redis.stop();
    }
  });

  it('a supervisor that stops reading its socket cannot make the spawner grow: the flooding worker waits instead', async () => {
    const dir = tempDir();
    const sock = path.join(dir, 'spawner.sock');
    const spawner = fork(SPAWNER, ['--socket', sock, '--state', path.join(dir, 'state.json'), '--grace', '0'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve) => spawner.on('message', (m: { type?: string }) => m.type === 'listening' && resolve()));
    const c = createConnection(sock);
    let buf = '';
    const seen: { type: string; pid?: number }[] = [];
    const onData = (d: Buffer): void => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        seen.push(JSON.parse(buf.slice(0, nl)) as { type: string; pid?: number });
        buf = buf.slice(nl + 1);
      }
    };
    c.on('data', onData);
    await new Promise<void>((r) => c.once('connect', () => r()));
    c.write(`${JSON.stringify({ type: 'hello', pid: process.pid, startTime: 'unknown', graceMs: 0 })}\n`);
    await waitFor(() => seen.some((m) => m.type === 'ready'), 'ready');
    const lines = 2_000_000; // 200 MB if nothing held it back
    c.write(`${JSON.stringify({ type: 'spawn', ref: 1, argv: [process.execPath, FLOOD], cwd: dir, env: { FLOOD_LINES: String(lines), FLOOD_BYTES: '100' }, workerId: 'f-1', pool: 'f', stopSignal: 'SIGTERM', stopTimeoutMs: 1000 })}\n`);
    const spawned = await waitFor(() => seen.find((m) => m.type === 'spawned'), 'spawned');
    // The supervisor stops reading (a busy extension host): the socket's buffers fill.
    c.off('data', onData);
    c.pause();
    await new Promise((r) => setTimeout(r, 6000));
    const peak = peakRssBytes(spawner.pid as number);
    try {
      console.log(`      spawner peak RSS ${Math.round(peak / 2 ** 20)} MiB with a supervisor that reads nothing`);
      assert.ok(peak < 120 * 1024 * 1024, `the spawner grew to ${Math.round(peak / 2 ** 20)} MiB`);
      assert.ok(existsSync(`/proc/${spawned.pid}`), 'the worker is alive, waiting on its own write');
    } finally {
      c.resume();
      c.on('data', () => undefined);
      c.write(`${JSON.stringify({ type: 'shutdown', timeoutMs: 1000 })}\n`);
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          spawner.kill('SIGKILL');
          r();
        }, 10_000);
        spawner.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
      c.destroy();
    }
  });
});
