import { queueLabel } from '../../core/queue-ref';
import { explainFigure, showFigure } from '../../core/signals/figure';
import { parseDuration, formatDuration, formatEta } from '../../core/units';
import { mostSpecific } from '../../core/signals/glob';
import { forecast, iqrScore, timeToCross, zScore } from '../../core/signals/trend-math';
import { RedisHistory } from '../../node/signals/redis-history';
import { parse } from '../cli-context';
import { EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { QUEUE_OPTIONS } from '../queue-action';
import { withQueues } from '../queue-context';

const usage = 'chaperone trends SYSTEM:QUEUE [--for 10s] [--every 1s] [--json] [--connection NAME] [--redis URL] [--config FILE]';

export const trendsCommand: CliCommand = {
  name: 'trends',
  summary: 'the trend of a queue: direction, rate, forecast, time to drain or to a threshold, anomaly',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...QUEUE_OPTIONS, for: { type: 'string' }, every: { type: 'string' } }, usage);
    if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
    const forMs = values.for === undefined ? 10_000 : parseDuration(values.for);
    const everyMs = values.every === undefined ? 1000 : parseDuration(values.every);
    if (forMs === undefined || everyMs === undefined || everyMs < 100) throw new UsageError(`--for and --every take durations (e.g. 10s, 1s; --every at least 100ms)\nusage: ${usage}`);
    return withQueues(values, async (ctx) => {
      const { ref } = await ctx.service.find({ id: positionals[0], connection: values.connection });
      const key = `${ref.connection}/${ref.id}`;
      const series = `queue:${key}:depth`;
      const { engine, observer } = ctx.signals();
      const { config } = ctx;
      // History kept in Redis by a supervisor (signals.history.redis) comes first, then live samples.
      const history = ctx.control ? new RedisHistory(ctx.control, ctx.keyPrefix, 'cli', config.signals.history.retentionMs) : undefined;
      const end = Date.now() + forMs;
      let samples = 0;
      for (;;) {
        const now = Date.now();
        engine.observe(now, await observer.observe(now));
        if (samples++ === 0) await history?.afterTickRestoreOnly(engine, now);
        if (now + everyMs > end) break;
        await new Promise((r) => setTimeout(r, everyMs));
      }
      const now = Date.now();
      const q = engine.signals(now).queues.find((x) => x.key === key);
      if (!q) throw new UsageError(`${positionals[0]} disappeared while sampling`);
      const t = q.trend;
      const depthRule = mostSpecific(config.thresholds.queues, q.id, (r) => r.depth !== undefined)?.depth;
      const crossAt = depthRule?.critical ?? depthRule?.warning;
      const points = engine.history(series, now - 3_600_000, now)?.points.length ?? 0;
      const out = {
        queue: q.id, connection: q.connection, samples: t?.n ?? 0, historyPoints: points,
        depth: q.pending, direction: q.direction, slopePerMin: q.slopePerMin, r2: t?.r2 ?? null, stddev: t?.stddev ?? null,
        forecast5m: t ? Math.max(0, forecast(t, 300_000)) : null, forecast30m: t ? Math.max(0, forecast(t, 1_800_000)) : null,
        drainMs: q.drainMs ?? null,
        threshold: crossAt ?? null, crossMs: t && crossAt !== undefined ? (timeToCross(t, crossAt) ?? null) : null,
        // Each a figure: { value, precision: exact | sampled | estimate | lower-bound, source, note } or { value: null, precision: 'unknown', source: why }.
        throughputPerMin: q.throughput, failureRatePct: q.failureRate, waitMs: q.wait, expectedWaitMs: q.expectedWait, runtimeP50Ms: q.runtimeP50, runtimeP95Ms: q.runtimeP95, finished: q.finished,
        zScore: t ? zScore(t) : null, iqrScore: t ? iqrScore(engine.history(series, now - config.signals.trendWindowMs, now)?.points.map((p) => p.avg) ?? [], q.pending) : null,
      };
      if (values.json) {
        io.out(JSON.stringify(out, null, 2));
        return EXIT_OK;
      }
      const f = (n: number | null, digits = 1) => (n === null ? '-' : Number.isInteger(n) ? String(n) : n.toFixed(digits));
      io.out([
        `${queueLabel(q)}: depth ${q.pending}, ${q.direction} (${q.slopePerMin >= 0 ? '+' : ''}${f(q.slopePerMin)}/min, R² ${f(out.r2, 2)}) over ${out.samples} sample(s)${points > out.samples ? `, ${points} point(s) of history` : ''}`,
        `  forecast: ${f(out.forecast5m, 0)} in 5 min, ${f(out.forecast30m, 0)} in 30 min`,
        out.drainMs !== null ? `  drains in ${formatEta(out.drainMs)}` : out.crossMs !== null && out.threshold !== null ? `  reaches ${out.threshold} in ${formatEta(out.crossMs)}` : '  no drain or threshold crossing ahead on this trend',
        `  throughput ${explainFigure(q.throughput, (v) => `${f(v)}/min`)}`,
        `  failures ${explainFigure(q.failureRate, (v) => `${f(v)}%`)}`,
        `  wait (oldest pending) ${explainFigure(q.wait, formatDuration)}; expected wait ${explainFigure(q.expectedWait, formatDuration)}`,
        `  runtime p50 ${explainFigure(q.runtimeP50, formatDuration)}, p95 ${showFigure(q.runtimeP95, formatDuration)}`,
        `  anomaly: z ${f(out.zScore, 2)}, IQR ${f(out.iqrScore, 2)}`,
      ].join('\n'));
      return EXIT_OK;
    });
  },
};
