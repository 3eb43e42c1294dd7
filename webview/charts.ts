// One Chart.js line chart per section, created once; snapshots replace its datasets' data in place
// and deltas push one point, then chart.update('none') (no animation, no re-creation).
import { CategoryScale, Chart, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import annotationPlugin, { type AnnotationOptions } from 'chartjs-plugin-annotation';
import type { ChartMark, ChartName, Point, QueueSeries, Series } from '../src/protocol/dashboard';
import type { ThemeColors } from './theme';
import { timeLabel, timeTicks } from '../src/protocol/time-axis';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip, Filler, annotationPlugin);

/** Points kept per dataset: a long-open dashboard does not grow. */
export const MAX_POINTS = 600;

type XY = { x: number; y: number };

const MAX_TICKS = 6;

export class LineChart {
  readonly chart: Chart<'line', XY[]>;
  /** The x axis' tick step (ms), set when its ticks are built. */
  private step = 60_000;

  constructor(canvas: HTMLCanvasElement, private theme: ThemeColors) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: 'nearest', intersect: false },
        elements: { point: { radius: 0 }, line: { borderWidth: 1.5, tension: 0 } },
        scales: {
          // Round steps, labelled at their own resolution: distinct labels at every range.
          x: {
            type: 'linear',
            afterBuildTicks: (scale) => {
              const { step, ticks } = timeTicks(scale.min, scale.max, MAX_TICKS);
              this.step = step;
              scale.ticks = ticks.map((value) => ({ value }));
            },
            ticks: { callback: (v) => timeLabel(Number(v), this.step), autoSkip: false },
          },
          y: { beginAtZero: true },
        },
        plugins: { legend: { labels: { boxWidth: 12 } }, annotation: { annotations: {} } },
      },
    });
    this.applyTheme(theme);
  }

  applyTheme(theme: ThemeColors): void {
    this.theme = theme;
    const o = this.chart.options;
    const scales = o.scales as Record<'x' | 'y', { ticks: { color?: string }; grid: { color?: string } }>;
    for (const axis of ['x', 'y'] as const) {
      scales[axis].ticks.color = theme.foreground;
      scales[axis].grid.color = theme.grid;
    }
    (o.plugins as { legend: { labels: { color?: string } } }).legend.labels.color = theme.foreground;
    this.chart.data.datasets.forEach((d, i) => {
      const c = theme.palette[Math.floor(i / this.perSeries) % theme.palette.length];
      d.borderColor = c;
      d.backgroundColor = c;
    });
    this.chart.update('none');
  }

  /** Datasets per series: 3 for queues (depth, trend, forecast), 1 otherwise. */
  private perSeries = 1;

  setSeries(series: readonly (Series | QueueSeries)[], withLines: boolean): void {
    this.perSeries = withLines ? 3 : 1;
    const datasets = this.chart.data.datasets;
    datasets.length = 0;
    series.forEach((s, i) => {
      const color = this.theme.palette[i % this.theme.palette.length];
      datasets.push({ label: s.label, data: toXY(s.points), borderColor: color, backgroundColor: color });
      if (withLines) {
        const q = s as QueueSeries;
        datasets.push({ label: `${s.label} trend`, data: q.trend ? toXY(q.trend) : [], borderColor: color, backgroundColor: color, borderDash: [2, 2] });
        datasets.push({ label: `${s.label} forecast`, data: q.forecast ? toXY(q.forecast) : [], borderColor: color, backgroundColor: color, borderDash: [6, 4] });
      }
    });
    this.chart.options.plugins = { ...this.chart.options.plugins, legend: { ...this.chart.options.plugins?.legend, labels: { ...this.chart.options.plugins?.legend?.labels, filter: (item) => !/ (trend|forecast)$/.test(item.text) } } };
    this.chart.update('none');
  }

  /** Appends a point to series number `index` (and replaces its trend/forecast lines). */
  push(index: number, point: Point, trend?: [Point, Point], forecast?: [Point, Point]): void {
    const base = index * this.perSeries;
    const data = this.chart.data.datasets[base]?.data;
    if (!data) return;
    const last = data[data.length - 1];
    if (last && last.x === point[0]) last.y = point[1];
    else data.push({ x: point[0], y: point[1] });
    if (data.length > MAX_POINTS) data.splice(0, data.length - MAX_POINTS);
    if (this.perSeries === 3) {
      const t = this.chart.data.datasets[base + 1];
      const f = this.chart.data.datasets[base + 2];
      if (t) t.data = trend ? toXY(trend) : [];
      if (f) f.data = forecast ? toXY(forecast) : [];
    }
  }

  /** Deploy marks: a dashed vertical line each, its text on the line (chartjs-plugin-annotation). */
  setMarks(marks: readonly ChartMark[]): void {
    const annotations: Record<string, AnnotationOptions> = {};
    marks.forEach((m, i) => {
      annotations[`mark${i}`] = {
        type: 'line', scaleID: 'x', value: m.at, borderColor: this.theme.foreground, borderWidth: 1, borderDash: [4, 3],
        label: { display: true, content: m.text.length > 24 ? `${m.text.slice(0, 23)}…` : m.text, position: 'start', font: { size: 10 }, color: this.theme.foreground, backgroundColor: 'transparent', padding: 2 },
      };
    });
    const plugins = this.chart.options.plugins as { annotation?: { annotations: Record<string, AnnotationOptions> } };
    plugins.annotation = { annotations };
  }

  /** The x axis starts at the range's start on every chart (else each chart spans only its own data). */
  setStart(min: number): void {
    const x = (this.chart.options.scales as { x: { min?: number } }).x;
    x.min = min;
  }

  update(): void {
    this.chart.update('none');
  }
}

export const CHART_WITH_LINES: Record<ChartName, boolean> = { queues: true, wait: false, throughput: false, workerCpu: false, workerMemory: false, host: false };

function toXY(points: readonly Point[]): XY[] {
  return points.map(([x, y]) => ({ x, y }));
}
