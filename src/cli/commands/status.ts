import type { SupervisorSnapshot } from '../../core/snapshot';
import { formatBytes, formatDuration } from '../../core/units';
import type { SeenSupervisor } from '../../node/control-client';
import { COMMON_OPTIONS, parse, withClient } from '../cli-context';
import { EXIT_OK, UsageError, type CliCommand } from '../cli-types';
import { table } from '../format-table';

const usage = 'chaperone status [--json] [--redis URL] [--config FILE]';

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'supervisors seen in Redis, their pools and workers',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, COMMON_OPTIONS, usage);
    if (positionals.length) throw new UsageError(`usage: ${usage}`);
    return withClient(values, async (client) => {
      const seen = await client.supervisors();
      if (values.json) {
        io.out(JSON.stringify({ supervisors: seen.map(toJson) }, null, 2));
        return EXIT_OK;
      }
      io.out(renderStatus(seen, Date.now()));
      return EXIT_OK;
    });
  },
};

function toJson(s: SeenSupervisor): object {
  if (!s.snapshot) return { id: s.id, host: null, pid: null, lastSeen: s.lastSeen, lost: true, pools: [] };
  return { ...s.snapshot, lastSeen: s.lastSeen, lost: false };
}

export function renderStatus(seen: SeenSupervisor[], now: number): string {
  if (seen.length === 0) return 'No supervisors seen in Redis. Start one with `chaperone supervise`.';
  return seen.map((s) => renderSupervisor(s, now)).join('\n\n');
}

export function renderSupervisor(s: SeenSupervisor, now: number): string {
  const age = formatDuration(Math.max(0, now - s.lastSeen));
  if (!s.snapshot) return `supervisor ${s.id}: LOST (no heartbeat for ${age})`;
  return renderSnapshot(s.snapshot, `seen ${age} ago`, now);
}

export function renderSnapshot(snap: SupervisorSnapshot, seen: string, now: number): string {
  const cp = snap.controlPlane;
  const gap = cp?.lastGap ? `; last Redis gap ${formatDuration(cp.lastGap.ms)} ending ${formatDuration(now - cp.lastGap.to)} ago` : '';
  const lines = [`supervisor ${snap.id}  host ${snap.host}  pid ${snap.pid}  up ${formatDuration(now - snap.startedAt)}  ${seen}${gap}`];
  for (const p of snap.pools) {
    const running = p.workers.filter((w) => w.state === 'running').length;
    lines.push(`  pool ${p.name}: ${p.state}, ${running}/${p.desired} running (min ${p.min}, max ${p.max})${p.queues.length ? `  queues ${p.queues.join(', ')}` : ''}`);
    if (p.workers.length === 0) continue;
    const rows = p.workers.map((w) => [
      w.id,
      w.pid === null ? '-' : String(w.pid),
      w.state + (w.nextStartInMs !== undefined ? ` (${formatDuration(w.nextStartInMs)})` : ''),
      String(w.restarts),
      w.uptimeMs ? formatDuration(w.uptimeMs) : '-',
      w.cpu === null ? '-' : `${w.cpu.toFixed(1)}%`,
      w.memoryBytes === null ? '-' : formatBytes(w.memoryBytes),
      w.fatalReason ?? (w.lastExit ? describeLastExit(w.lastExit) : ''),
    ]);
    lines.push(table(['WORKER', 'PID', 'STATE', 'RESTARTS', 'UPTIME', 'CPU', 'MEM', 'LAST EXIT'], rows, '    '));
  }
  return lines.join('\n');
}

function describeLastExit(e: NonNullable<SupervisorSnapshot['pools'][number]['workers'][number]['lastExit']>): string {
  const how = e.signal ? `signal ${e.signal}` : `code ${e.code}`;
  const tail = e.stderrTail.length ? `: ${e.stderrTail[e.stderrTail.length - 1].slice(0, 60)}` : '';
  return `${how}${e.reason ? ` (${e.reason})` : ''}${tail}`;
}
