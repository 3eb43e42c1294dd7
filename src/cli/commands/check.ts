import { alerting, healthOf, type Finding } from '../../core/signals/findings';
import { parse } from '../cli-context';
import { EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { table } from '../format-table';
import { QUEUE_OPTIONS } from '../queue-action';
import { withQueues } from '../queue-context';

const usage = 'chaperone check [--json] [--connection NAME] [--redis URL] [--config FILE]';
/** Exit codes of `check`, for cron and deploy scripts. */
export const CHECK_EXIT = { ok: 0, warning: 1, critical: 2 } as const;

export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'evaluate the thresholds once on the current values (exit 0 ok, 1 warning, 2 critical)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, QUEUE_OPTIONS, usage);
    if (positionals.length) throw new UsageError(`usage: ${usage}`);
    return withQueues(values, async (ctx) => {
      const { engine, observer } = ctx.signals();
      const { config } = ctx;
      await observer.prime();
      await new Promise((r) => setTimeout(r, 250)); // a CPU reading over a quarter second
      const now = Date.now();
      engine.observe(now, await observer.observe(now));
      const findings = engine.evaluate(now, 'once').sort(bySeverity);
      // Built-in rules (host CPU and load, zero consumers) are listed but set the exit code only
      // when sustained, which one reading cannot tell: informational here.
      const alarms = alerting(findings, now);
      const worst = alarms.some((f) => f.severity === 'critical') ? 'critical' : alarms.length ? 'warning' : 'ok';
      const errors = [...ctx.unreachable, ...observer.errors()];
      if (values.json) {
        const s = engine.signals(now);
        const subjects = ['host:host', ...s.queues.map((q) => `queue:${q.key}`), ...s.pools.map((p) => `pool:${p.name}`), ...s.tenants.map((t) => `tenant:${t.tenant}`)];
        const health = Object.fromEntries(healthOf(findings, subjects));
        const queues = s.queues.map((q) => ({ queue: q.id, connection: q.connection, pending: q.pending, wait: q.wait, expectedWait: q.expectedWait, throughput: q.throughput, failureRate: q.failureRate, runtimeP50: q.runtimeP50, runtimeP95: q.runtimeP95 }));
        io.out(JSON.stringify({ status: worst, findings: findings.map(toJson), health, queues, errors }, null, 2));
      } else {
        for (const e of errors) io.err(`cannot read ${e}`);
        if (findings.length === 0) io.out(`ok: ${engine.signals(now).queues.length} queue(s), ${engine.signals(now).pools.length} pool(s) and the host within their thresholds`);
        else io.out(table(['SEVERITY', 'SUBJECT', 'FINDING', 'RULE'], findings.map((f) => [f.builtIn ? 'INFO' : f.severity.toUpperCase(), `${f.subject.kind} ${f.subject.id}`, f.message, f.range ? `${config.file}:${f.range.line}` : 'built-in'])));
      }
      return worst === 'ok' ? EXIT_OK : CHECK_EXIT[worst];
    });
  },
};

function bySeverity(a: Finding, b: Finding): number {
  return (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1) || a.key.localeCompare(b.key);
}

function toJson(f: Finding): object {
  return { severity: f.severity, subject: f.subject, metric: f.metric, value: f.value, limit: f.limit, message: f.message, builtIn: f.builtIn, line: f.range?.line ?? null, column: f.range?.column ?? null };
}
