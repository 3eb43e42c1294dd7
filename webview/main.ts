// The dashboard page: says ready, draws the host's snapshot, applies 1 Hz deltas in place.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { CHART_NAMES, DeltaMessage, RANGE_MS, RANGES, ResponseMessage, SnapshotMessage, type ChartName, type DashboardSnapshot, type DashboardSummary, type RangeKey, type WebviewToHost } from '../src/protocol/dashboard';
import { CHART_WITH_LINES, LineChart } from './charts';
import { onThemeChange, readTheme } from './theme';

const vscode = acquireVsCodeApi();
const started = performance.now();
const send = (m: WebviewToHost): void => vscode.postMessage(m);
let nextId = 1;
const pending = new Map<number, string>();

let theme = readTheme();
const charts = new Map<ChartName, LineChart>();
for (const name of CHART_NAMES) charts.set(name, new LineChart(document.getElementById(`chart-${name}`) as HTMLCanvasElement, theme));
/** Series ids per chart, in dataset order (deltas find their dataset by id). */
const order = new Map<ChartName, string[]>();
let painted = false;

onThemeChange(() => {
  theme = readTheme();
  charts.forEach((c) => c.applyTheme(theme));
});

let range: RangeKey = '15m';

function drawSnapshot(s: DashboardSnapshot): void {
  range = s.range;
  charts.forEach((c) => {
    c.setStart(s.at - RANGE_MS[range]);
    c.setMarks(s.marks);
  });
  document.body.dataset.marks = String(s.marks.length);
  const sets: Record<ChartName, DashboardSnapshot['queues']> = { queues: s.queues, wait: s.wait, throughput: s.throughput, workerCpu: s.workerCpu, workerMemory: s.workerMemory, host: s.host };
  for (const name of CHART_NAMES) {
    charts.get(name)?.setSeries(sets[name], CHART_WITH_LINES[name]);
    order.set(name, sets[name].map((x) => x.id));
  }
  const select = document.getElementById('range') as HTMLElement & { value: string };
  if (select.value !== s.range) select.value = s.range;
  drawSummary(s.summary);
  document.body.dataset.snapshotAt = String(s.at);
  // The oldest point drawn (the UI checks read it after a reload: the past is drawn again).
  const firsts = CHART_NAMES.flatMap((name) => sets[name].map((x) => x.points[0]?.[0] ?? Infinity));
  document.body.dataset.firstPoint = String(Math.min(...firsts));
  if (!painted) {
    painted = true;
    // The frame after the first draw is the first paint the user sees.
    requestAnimationFrame(() => send({ type: 'painted', ms: performance.now() - started }));
  }
}

function drawSummary(s: DashboardSummary): void {
  const badge = document.getElementById('health') as HTMLElement;
  badge.textContent = s.health === 'ok' ? 'OK' : s.health.toUpperCase();
  badge.className = s.health;
  (document.getElementById('summary') as HTMLElement).textContent = `${s.workers} worker(s) · ${s.queued === null ? '?' : `${s.queuedIsLowerBound ? '≥' : ''}${s.queued}`} queued · ${s.findings.length} finding(s)`;
  const list = document.getElementById('findings') as HTMLElement;
  list.replaceChildren(...s.findings.map((f) => {
    const li = document.createElement('li');
    li.className = f.builtIn ? 'info' : f.severity;
    li.textContent = f.builtIn ? `${f.message} (built-in rule)` : f.message; // text, never HTML: messages contain queue names from Redis
    return li;
  }));
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const m = ev.data;
  if (SnapshotMessage.is(m)) drawSnapshot(m.snapshot);
  else if (DeltaMessage.is(m)) {
    for (const p of m.delta.points) {
      const index = order.get(p.chart)?.indexOf(p.id) ?? -1;
      if (index >= 0) charts.get(p.chart)?.push(index, p.point, p.trend, p.forecast);
    }
    const marks = m.delta.marks;
    charts.forEach((c) => {
      c.setStart(m.delta.at - RANGE_MS[range]);
      if (marks) c.setMarks(marks);
      c.update();
    });
    if (marks) document.body.dataset.marks = String(marks.length);
    drawSummary(m.delta.summary);
    document.body.dataset.deltaAt = String(m.delta.at);
  } else if (ResponseMessage.is(m)) {
    const what = pending.get(m.id);
    pending.delete(m.id);
    if (!m.ok) (document.getElementById('summary') as HTMLElement).textContent = `${what ?? 'request'} failed: ${m.error ?? ''}`;
  }
});

type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;
function request(m: Unsent<Extract<WebviewToHost, { type: 'request' }>>, what: string): void {
  const id = nextId++;
  pending.set(id, what);
  send({ ...m, id } as WebviewToHost);
}

document.getElementById('range')?.addEventListener('change', (e) => {
  const v = (e.target as HTMLElement & { value: string }).value;
  if ((RANGES as readonly string[]).includes(v)) request({ type: 'request', method: 'setRange', range: v as RangeKey }, 'range');
});
document.getElementById('check')?.addEventListener('click', () => request({ type: 'request', method: 'action', action: 'checkThresholds' }, 'check'));

send({ type: 'ready' });
