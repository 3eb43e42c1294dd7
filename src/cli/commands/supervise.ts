import { ConfigError } from '../../core/config/located-error';
import { Engine } from '../../engine';
import { loadConfig } from '../../node/config-loader';
import { consoleLogger } from '../../node/console-logger';
import { redactUrl } from '../../node/redis-connection';
import { cliRedis, parse } from '../cli-context';
import { ActionFailed, EXIT_OK, UsageError, type CliCommand, type CliIo } from '../cli-types';
import { parseListen } from '../../node/signals/prometheus';
import { renderSnapshot } from './status';

const usage = 'chaperone supervise [--config FILE] [--redis URL] [--id ID] [--live] [--quiet] [--metrics HOST:PORT] [--no-signals] [--output]';

export const superviseCommand: CliCommand = {
  name: 'supervise',
  summary: 'run the supervisor in the foreground; SIGINT/SIGTERM drain every pool and exit 0',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      { config: { type: 'string', short: 'c' }, redis: { type: 'string' }, id: { type: 'string' }, live: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, metrics: { type: 'string' }, 'no-signals': { type: 'boolean' }, output: { type: 'boolean' } },
      usage,
    );
    if (positionals.length) throw new UsageError(`usage: ${usage}`);
    let config;
    try {
      config = await loadConfig(values.config ?? 'chaperone.json');
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(`invalid configuration:\n${err.message}`);
      throw err;
    }
    const logger = consoleLogger('chaperone', values.quiet ?? values.live ?? false);
    const redisUrl = cliRedis(values, config).url;
    const metrics = values.metrics === undefined ? undefined : parseListen(values.metrics);
    if (values.metrics !== undefined && !metrics) throw new UsageError(`--metrics takes HOST:PORT (e.g. 127.0.0.1:9464), not "${values.metrics}"`);
    if (values.output && values.live) throw new UsageError('--output and --live both draw on the terminal: choose one');
    if (metrics && values['no-signals']) throw new UsageError('--metrics needs the signals: drop --no-signals');
    // Signals (trends, thresholds, findings) every 5 s unless signals.interval says otherwise.
    const signals = values['no-signals'] ? undefined : { intervalMs: config.signals.intervalMs ?? 5000, ...(metrics ? { metrics } : {}) };
    // Notifications go from here (the server), never from an editor window.
    const engine = new Engine({ config, logger, redisUrl, ...(values.id ? { supervisorId: values.id } : {}), ...(signals ? { signals, notify: true } : {}) });
    try {
      await engine.start();
    } catch (err) {
      await engine.shutdown(1000).catch(() => undefined);
      throw new ActionFailed(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (engine.metricsAddress) logger.info(`Prometheus metrics on http://${engine.metricsAddress.host}:${engine.metricsAddress.port}/metrics`);
    logFindings(engine, logger);
    if (config.notify.length && !signals) logger.warn(`"notify" in ${config.file} needs the signals: with --no-signals nothing is sent`);
    else if (config.notify.length) logger.info(`findings are told to ${config.notify.map((c) => `${c.name} (${c.severity} and up)`).join(', ')}`);
    if (values.output) streamOutput(engine, io);
    logger.info(`supervisor ${engine.id} started: ${config.pools.length} pool(s) from ${config.file}; control plane ${redactUrl(redisUrl)}`);
    const live = values.live ? startLiveView(engine, io) : undefined;
    await waitForSignal(engine, logger);
    live?.();
    return EXIT_OK;
  },
};

/** Every worker's lines as they come, "emails/3 | text" ("!" for stderr), like foreman or pm2 logs. */
function streamOutput(engine: Engine, io: CliIo): void {
  engine.onLogLine(({ pool, line }) => {
    const n = line.worker.startsWith(`${pool}-`) ? line.worker.slice(pool.length + 1) : line.worker;
    io.out(`${pool}/${n} ${line.stream === 'stderr' ? '!' : '|'} ${line.text}`);
  });
}

/** New and cleared findings go to the log, so a headless operator sees them too. */
function logFindings(engine: Engine, logger: ReturnType<typeof consoleLogger>): void {
  let active = new Map<string, string>();
  engine.onTick(({ findings }) => {
    const next = new Map(findings.map((f) => [f.key, `${f.severity}: ${f.message}`]));
    for (const [k, m] of next) {
      if (active.has(k)) continue;
      if (m.startsWith('critical')) logger.error(`finding ${m}`);
      else logger.warn(`finding ${m}`);
    }
    for (const [k, m] of active) if (!next.has(k)) logger.info(`cleared ${m}`);
    active = next;
  });
}

function waitForSignal(engine: Engine, logger: ReturnType<typeof consoleLogger>): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (sig: string): void => {
      signals++;
      if (signals === 1) {
        logger.warn(`${sig}: draining every pool (again to kill at once)`);
        engine.shutdown().then(resolve, (err: unknown) => {
          logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
          resolve();
        });
      } else {
        logger.warn(`${sig} again: SIGKILL to every worker`);
        engine.killAll();
      }
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    // A closed terminal: drain like SIGTERM (the spawner, in a session of its own, never sees it).
    process.on('SIGHUP', () => onSignal('SIGHUP'));
  });
}

/** A status view that redraws in place once a second (the demo uses it). */
function startLiveView(engine: Engine, io: CliIo): () => void {
  const draw = (): void => {
    const snap = engine.snapshot();
    const redis = engine.redisConnected ? 'redis connected' : 'redis DISCONNECTED (workers keep running)';
    io.out(`\x1b[H\x1b[2J${renderSnapshot(snap, redis, Date.now())}\n\nCtrl-C drains every pool and exits.`);
  };
  const t = setInterval(draw, 1000);
  draw();
  return () => clearInterval(t);
}
