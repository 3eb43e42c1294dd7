// `supervise --metrics HOST:PORT`: the signals as Prometheus metrics (prom-client), refreshed after
// every signals tick (gauges reset first, so a queue or worker that is gone leaves no stale series).
import * as http from 'node:http';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Finding } from '../../core/signals/findings';
import type { Signals } from '../../core/signals/signals-engine';

export class PrometheusExporter {
  readonly registry = new Registry();
  private server: http.Server | undefined;
  private readonly g: Record<string, Gauge>;

  constructor() {
    const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [this.registry] });
    const q = ['connection', 'queue'];
    this.g = {
      pending: gauge('chaperone_queue_pending', 'Jobs waiting to run', q),
      delayed: gauge('chaperone_queue_delayed', 'Delayed / scheduled jobs', q),
      active: gauge('chaperone_queue_active', 'Jobs running', q),
      failed: gauge('chaperone_queue_failed', 'Failed jobs the system keeps', q),
      throughput: gauge('chaperone_queue_throughput_per_minute', "Finished jobs per minute over the last minute, from the system's own records; absent where unknown (precision: exact, sampled, estimate, lower-bound)", [...q, 'precision']),
      failureRate: gauge('chaperone_queue_failure_rate_percent', 'Failed among finished jobs over the last minute; absent where unknown', [...q, 'precision']),
      runtime: gauge('chaperone_queue_runtime_seconds', 'Runtime percentiles over the last 5 minutes, where the system records start and end', [...q, 'quantile']),
      oldest: gauge('chaperone_queue_oldest_age_seconds', 'Wait: age of the oldest pending job', q),
      wait: gauge('chaperone_queue_expected_wait_seconds', 'Expected wait of a job enqueued now, an estimate: pending x runtime / consumers', q),
      systemThroughput: gauge('chaperone_system_throughput_per_minute', 'Finished jobs per minute of a whole system on a connection (Sidekiq and Celery count only system-wide)', ['connection', 'system', 'precision']),
      systemFailureRate: gauge('chaperone_system_failure_rate_percent', 'Failed among finished jobs of a whole system on a connection', ['connection', 'system', 'precision']),
      consumers: gauge('chaperone_queue_consumers', 'Live consumers, where known', q),
      slope: gauge('chaperone_queue_depth_slope_per_minute', 'Depth trend (pending jobs per minute)', q),
      workerCpu: gauge('chaperone_worker_cpu_percent', 'CPU of a supervised worker (percent of one core)', ['pool', 'worker']),
      workerMem: gauge('chaperone_worker_memory_bytes', 'Resident memory of a supervised worker', ['pool', 'worker']),
      running: gauge('chaperone_pool_running_workers', 'Running workers of a pool', ['pool']),
      restarts: gauge('chaperone_pool_restarts_per_minute', 'Worker restarts of a pool in the last minute', ['pool']),
      hostCpu: gauge('chaperone_host_cpu_percent', 'Host CPU use'),
      hostMem: gauge('chaperone_host_memory_percent', 'Host memory use'),
      hostLoad: gauge('chaperone_host_load_per_core', 'One-minute load average per core'),
      disk: gauge('chaperone_host_disk_used_percent', 'Disk use per mount', ['mount']),
      rx: gauge('chaperone_host_network_receive_bytes_per_second', 'Network receive rate'),
      tx: gauge('chaperone_host_network_transmit_bytes_per_second', 'Network transmit rate'),
      findings: gauge('chaperone_findings', 'Active findings by severity', ['severity']),
      finding: gauge('chaperone_finding', 'One active finding (value 1), with its subject and metric', ['severity', 'kind', 'subject', 'metric']),
      tickSeconds: gauge('chaperone_signals_tick_seconds', 'Duration of the last signals tick'),
    };
    collectDefaultMetrics({ register: this.registry, prefix: 'chaperone_process_' });
  }

  update(s: Signals, findings: readonly Finding[], tickMs: number): void {
    for (const g of Object.values(this.g)) g.reset();
    for (const q of s.queues) {
      const l = { connection: q.connection, queue: q.id };
      this.g.pending.set(l, q.pending);
      this.g.delayed.set(l, q.delayed);
      this.g.active.set(l, q.active);
      this.g.failed.set(l, q.failed);
      this.g.slope.set(l, q.slopePerMin);
      // Unknown figures are left out (never exported as 0).
      if (q.throughput.value !== null) this.g.throughput.set({ ...l, precision: q.throughput.precision }, q.throughput.value);
      if (q.failureRate.value !== null) this.g.failureRate.set({ ...l, precision: q.failureRate.precision }, q.failureRate.value);
      if (q.runtimeP50.value !== null) this.g.runtime.set({ ...l, quantile: '0.5' }, q.runtimeP50.value / 1000);
      if (q.runtimeP95.value !== null) this.g.runtime.set({ ...l, quantile: '0.95' }, q.runtimeP95.value / 1000);
      if (q.wait.value !== null) this.g.oldest.set(l, q.wait.value / 1000);
      if (q.expectedWait.value !== null) this.g.wait.set(l, q.expectedWait.value / 1000);
      if (q.consumers !== null) this.g.consumers.set(l, q.consumers);
    }
    for (const x of s.systems) {
      const l = { connection: x.connection, system: x.system };
      if (x.throughput.value !== null) this.g.systemThroughput.set({ ...l, precision: x.throughput.precision }, x.throughput.value);
      if (x.failureRate.value !== null) this.g.systemFailureRate.set({ ...l, precision: x.failureRate.precision }, x.failureRate.value);
    }
    for (const p of s.pools) {
      this.g.running.set({ pool: p.name }, p.running);
      this.g.restarts.set({ pool: p.name }, p.restartsPerMin);
      for (const w of p.workers) {
        if (w.cpu !== undefined) this.g.workerCpu.set({ pool: p.name, worker: w.id }, w.cpu);
        if (w.memoryBytes !== undefined) this.g.workerMem.set({ pool: p.name, worker: w.id }, w.memoryBytes);
      }
    }
    if (s.host) {
      this.g.hostCpu.set(s.host.cpuPct);
      this.g.hostMem.set(s.host.memoryPct);
      this.g.hostLoad.set(s.host.loadPerCore);
      for (const d of s.host.disks) this.g.disk.set({ mount: d.mount }, d.usedPct);
      if (s.host.rxBytesPerSec !== undefined) this.g.rx.set(s.host.rxBytesPerSec);
      if (s.host.txBytesPerSec !== undefined) this.g.tx.set(s.host.txBytesPerSec);
    }
    this.g.findings.set({ severity: 'warning' }, findings.filter((f) => f.severity === 'warning').length);
    this.g.findings.set({ severity: 'critical' }, findings.filter((f) => f.severity === 'critical').length);
    for (const f of findings) this.g.finding.set({ severity: f.severity, kind: f.subject.kind, subject: f.subject.id, metric: f.metric }, 1);
    this.g.tickSeconds.set(tickMs / 1000);
  }

  /** Serves GET /metrics on host:port; resolves with the bound address. */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    this.server = http.createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err instanceof Error ? err.message : String(err)}\n`),
      );
    });
    const server = this.server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const a = server.address();
        resolve(typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port });
      });
    });
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
}

/** "127.0.0.1:9464" or ":9464" or "9464" -> host and port. */
export function parseListen(value: string): { host: string; port: number } | undefined {
  const m = /^(?:(.*):)?(\d{1,5})$/.exec(value.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  return { host: m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1', port };
}
