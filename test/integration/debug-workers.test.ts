// "Debug a Worker of Pool…" below the editor: the engine starts a debug worker of a real pool of
// each runtime, with its command rewritten by debugLaunch and its queue by redirectQueues, and the
// runtime's real debugger (Xdebug, debugpy) stops at a breakpoint in the job handler for a job put
// on the debug worker's own queue, while the pool's own worker goes on with the pool's queue. The
// editor's side of each debugger is test/helpers/debug-clients.ts (the editor test covers Node
// through VS Code's own JavaScript debugger). Ruby is not here: the debug gem Debian's Ruby 3.1
// ships (1.4.0) reports a breakpoint in a Sidekiq thread with another thread's frames, and drops
// the connection when asked for its threads.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startEngine, type Harness } from '../helpers/engine-harness';
import { DapClient, DbgpListener } from '../helpers/debug-clients';
import { FIXTURES } from '../helpers/paths';
import { TestRedis, freePort } from '../helpers/redis-server';
import { runScript } from '../helpers/run-script';
import { waitFor } from '../helpers/wait';

const lineOf = (file: string, text: string): number => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

/** While the debug worker is stopped in its job, the pool's own worker ran the pool's job (each job records itself in `key`). */
async function poolRanAlone(redis: TestRedis, key: (queue: string) => string, queue: string): Promise<void> {
  const c = redis.client();
  try {
    await waitFor(async () => ((await c.llen(key(queue))) === 1 ? true : undefined), 'the pool\'s own worker ran its job', 15_000);
    assert.equal(await c.llen(key(`${queue}.debug`)), 0, 'the debug worker is stopped before it records its job');
  } finally {
    c.disconnect();
  }
}

describe('debug workers under the real debuggers', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  let h: Harness | undefined;
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await h?.engine.shutdown(3000);
    h = undefined;
  });

  it('PHP: a Laravel worker under Xdebug calls the debugger and stops at a breakpoint in the job handler, for a job of its own queue', async () => {
    const dir = path.join(FIXTURES, 'laravel');
    const bootstrap = path.join(dir, 'bootstrap.php');
    const line = lineOf(bootstrap, "$redis->rpush('test:' . $job->getQueue() . ':processed'");
    const env = { REDIS_PORT: String(redis.port) };
    h = await startEngine({ pools: { lar: { command: ['php', path.join(dir, 'worker.php')], env: { ...env, QUEUE: 'dbg-php' }, queues: ['laravel:dbg-php'], processes: 1, stop: { timeout: '2s' } } } });
    const harness = h;
    await waitFor(() => harness.running('lar').length === 1, 'the pool runs', 15_000);
    const ide = await DbgpListener.listen();
    try {
      const started = harness.engine.startDebugWorker('lar', 'php', ide.port);
      assert.deepEqual(started.queues, [{ from: 'laravel:dbg-php', to: 'laravel:dbg-php.debug' }]);
      const init = await ide.init();
      assert.match(init, /fileuri="file:\/\/[^"]*worker\.php"/);
      // One job for the pool's queue (its own worker runs it) and one for the debug worker's.
      await runScript('php', path.join(dir, 'producer.php'), ['dbg-php', '1'], env);
      await runScript('php', path.join(dir, 'producer.php'), ['dbg-php.debug', '1'], env);
      const stop = await ide.breakAt(bootstrap, line);
      assert.deepEqual([stop.file, stop.line, stop.where], [bootstrap, line, 'TestJob->handle']);
      await poolRanAlone(redis, (q) => `laravel_database_test:${q}:processed`, 'dbg-php');
    } finally {
      await ide.close();
    }
    await harness.engine.stopDebugWorker('lar', harness.engine.supervisor.pools.get('lar')?.debugWorkers[0]?.id ?? '');
    await waitFor(() => (harness.engine.supervisor.pools.get('lar')?.debugWorkers.length === 0 ? true : undefined), 'the debug worker stopped', 15_000);
    assert.equal(harness.running('lar').length, 1, 'the pool\'s own worker runs on');
  });

  it('Python: an RQ worker under debugpy stops at a breakpoint in the task, in the work horse it forks, for a job of its own queue', async () => {
    const dir = path.join(FIXTURES, 'rq');
    const tasks = path.join(dir, 'tasks.py');
    const line = lineOf(tasks, "Redis.from_url(os.environ['REDIS_URL']).rpush(");
    const env = { REDIS_URL: redis.url };
    h = await startEngine({ pools: { py: { command: ['/usr/bin/python3', '-m', 'rq.cli', 'worker', '--url', redis.url, '--path', dir, 'dbg-py'], env, queues: ['rq:dbg-py'], processes: 1, stop: { timeout: '2s' } } } });
    const harness = h;
    await waitFor(() => harness.running('py').length === 1, 'the pool runs', 15_000);
    const port = await freePort();
    const started = harness.engine.startDebugWorker('py', 'python', port);
    assert.deepEqual(started.queues, [{ from: 'rq:dbg-py', to: 'rq:dbg-py.debug' }]);
    const clients: DapClient[] = [];
    /** Attaches as VS Code's Python Debugger does: initialize, attach, breakpoints, configurationDone. */
    const attach = async (p: number, config: Record<string, unknown>): Promise<DapClient> => {
      const dap = await DapClient.connect(p);
      clients.push(dap);
      await dap.request('initialize', { clientID: 'chaperone-test', adapterID: 'debugpy', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true, supportsRunInTerminalRequest: false });
      const attached = dap.request('attach', config);
      await dap.event('initialized', 20_000);
      const bp = await dap.request('setBreakpoints', { source: { path: tasks }, breakpoints: [{ line }] });
      assert.equal(bp.success, true, bp.message);
      await dap.request('configurationDone');
      const r = await attached;
      assert.equal(r.success, true, r.message);
      return dap;
    };
    try {
      const parent = await attach(port, { justMyCode: false, subProcess: true });
      await runScript('/usr/bin/python3', path.join(dir, 'producer.py'), ['dbg-py', '1'], env);
      await runScript('/usr/bin/python3', path.join(dir, 'producer.py'), ['dbg-py.debug', '1'], env);
      // RQ runs each job in a forked work horse: debugpy announces it, and the editor attaches to it too.
      const child = await parent.event('debugpyAttach', 30_000);
      const cfg = child.body as Record<string, unknown> & { connect?: { port?: number } };
      const horse = await attach(cfg.connect?.port ?? port, cfg);
      const stopped = await horse.event('stopped', 30_000, (m) => m.body?.reason === 'breakpoint');
      const stop = await horse.where(Number(stopped.body?.threadId));
      assert.deepEqual([stop.file, stop.line, stop.where], [tasks, line, 'test_job']);
      await poolRanAlone(redis, (q) => `test:${q}:processed`, 'dbg-py');
      await horse.request('disconnect', { terminateDebuggee: false });
    } finally {
      clients.forEach((c) => c.close());
    }
    await harness.engine.stopDebugWorker('py', started.id);
    await waitFor(() => (harness.engine.supervisor.pools.get('py')?.debugWorkers.length === 0 ? true : undefined), 'the debug worker stopped', 15_000);
    assert.equal(harness.running('py').length, 1, 'the pool\'s own worker runs on');
  });
});
