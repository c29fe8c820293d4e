import { escapeHtml } from './html-escape.js';

/** Drawing area in SVG units; the SVG scales to its container's width. */
const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { left: 58, right: 14, top: 14, bottom: 30 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

export interface LineSeries {
  name: string;
  color: string;
  /** One value per bucket; null leaves a hole (no requests). */
  values: (number | null)[];
  dashed?: boolean;
}

export interface LineChartOptions {
  /** What the chart shows, for screen readers and the tooltip. */
  label: string;
  /** Bucket starts (Unix seconds) and the bucket width. */
  starts: number[];
  width: number;
  series: LineSeries[];
  format: (value: number) => string;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** A round upper bound for the y axis and its step: 0..max in about four steps. */
function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  return { top: Math.ceil(max / step) * step, step };
}

const TIME_STEPS = [
  60,
  300,
  900,
  1800,
  3600,
  3 * 3600,
  6 * 3600,
  12 * 3600,
  86_400,
  2 * 86_400,
  7 * 86_400,
  14 * 86_400,
  28 * 86_400,
];

function timeLabel(ts: number, step: number, span: number): string {
  const iso = new Date(ts * 1000).toISOString();
  if (step >= 86_400) return iso.slice(5, 10);
  if (span > 86_400) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(11, 16);
}

function timeAxis(from: number, to: number, x: (ts: number) => number): string {
  const span = to - from;
  const step = TIME_STEPS.find((s) => span / s <= 5) ?? Math.ceil(span / 5 / 86_400) * 86_400;
  const parts: string[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const px = round(x(t));
    parts.push(
      `<line class="grid" x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}"/>`,
      `<text class="tick" x="${px}" y="${HEIGHT - 8}" text-anchor="middle">${timeLabel(t, step, span)}</text>`,
    );
  }
  return parts.join('');
}

function valueAxis(
  top: number,
  step: number,
  format: (v: number) => string,
  y: (v: number) => number,
): string {
  const parts: string[] = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    const py = round(y(v));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${py}" y2="${py}"/>`,
      `<text class="tick" x="${MARGIN.left - 6}" y="${py + 4}" text-anchor="end">${escapeHtml(format(v))}</text>`,
    );
  }
  return parts.join('');
}

function svg(label: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>${body}</svg>`;
}

/** A line chart over time, drawn now: the page needs no script to show it. */
export function lineChart({ label, starts, width, series, format }: LineChartOptions): string {
  const from = starts[0] ?? 0;
  const to = (starts[starts.length - 1] ?? 0) + width;
  const x = (ts: number) => MARGIN.left + ((ts - from) / Math.max(to - from, 1)) * PLOT_W;
  let max = 0;
  for (const line of series) for (const v of line.values) if (v !== null && v > max) max = v;
  const { top, step } = niceScale(max);
  const y = (v: number) => MARGIN.top + PLOT_H - (v / top) * PLOT_H;
  const lines = series.map((line) => {
    const segments: string[][] = [];
    let segment: string[] = [];
    line.values.forEach((v, i) => {
      if (v === null) {
        if (segment.length > 0) segments.push(segment);
        segment = [];
        return;
      }
      segment.push(`${round(x((starts[i] ?? 0) + width / 2))},${round(y(v))}`);
    });
    if (segment.length > 0) segments.push(segment);
    const dash = line.dashed ? ' stroke-dasharray="5 4"' : '';
    return segments
      .map((points) =>
        points.length === 1
          ? `<circle cx="${points[0]?.split(',')[0]}" cy="${points[0]?.split(',')[1]}" r="2.5" fill="${line.color}"/>`
          : `<polyline fill="none" stroke="${line.color}" stroke-width="1.8"${dash} points="${points.join(' ')}"/>`,
      )
      .join('');
  });
  const axes = `<line class="axis" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H}"/>`;
  return svg(
    label,
    `${valueAxis(top, step, format, y)}${timeAxis(from, to, x)}${axes}${lines.join('')}`,
  );
}

export interface HistogramOptions {
  label: string;
  /** Upper bounds of the bins (ms); counts has one more entry, the open bin. */
  bounds: readonly number[];
  counts: readonly number[];
  /** Vertical markers, e.g. p50/p95/p99. */
  markers: { name: string; value: number; color: string }[];
}

function msLabel(ms: number): string {
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Latency distribution on a log scale, one bar per bin, the percentiles marked. */
export function histogramChart({ label, bounds, counts, markers }: HistogramOptions): string {
  const used = counts.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0);
  if (used.length === 0) return svg(label, '');
  const firstBin = Math.max(0, (used[0] as number) - 1);
  const lastBin = Math.min(counts.length - 1, (used[used.length - 1] as number) + 1);
  const lower = (i: number) =>
    i === 0 ? (bounds[0] as number) / 10 ** (1 / 8) : (bounds[i - 1] as number);
  const upper = (i: number) =>
    i < bounds.length
      ? (bounds[i] as number)
      : (bounds[bounds.length - 1] as number) * 10 ** (1 / 8);
  const logFrom = Math.log10(lower(firstBin));
  const logTo = Math.log10(upper(lastBin));
  const x = (ms: number) =>
    MARGIN.left + ((Math.log10(Math.max(ms, 1e-9)) - logFrom) / (logTo - logFrom)) * PLOT_W;
  const max = Math.max(...counts.slice(firstBin, lastBin + 1));
  const { top, step } = niceScale(max);
  const y = (v: number) => MARGIN.top + PLOT_H - (v / top) * PLOT_H;
  const bars: string[] = [];
  for (let i = firstBin; i <= lastBin; i++) {
    const count = counts[i] ?? 0;
    if (count === 0) continue;
    const x0 = x(lower(i));
    const x1 = x(upper(i));
    const range = i < bounds.length ? `≤ ${msLabel(upper(i))}` : `> ${msLabel(lower(i))}`;
    bars.push(
      `<rect class="bar" x="${round(x0 + 0.5)}" y="${round(y(count))}" width="${round(Math.max(x1 - x0 - 1, 1))}" height="${round(y(0) - y(count))}"><title>${escapeHtml(`${range}: ${count.toLocaleString('en-US')}`)}</title></rect>`,
    );
  }
  const ticks: string[] = [];
  for (let decade = Math.ceil(logFrom); decade <= Math.floor(logTo); decade++) {
    const ms = Number((10 ** decade).toPrecision(1));
    const px = round(x(ms));
    ticks.push(
      `<line class="grid" x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}"/>`,
      `<text class="tick" x="${px}" y="${HEIGHT - 8}" text-anchor="middle">${msLabel(ms)}</text>`,
    );
  }
  const marks = markers
    .filter((m) => m.value > 0 && x(m.value) >= MARGIN.left && x(m.value) <= WIDTH - MARGIN.right)
    .map((m, i) => {
      const px = round(x(m.value));
      return `<line x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}" stroke="${m.color}" stroke-width="1.5" stroke-dasharray="4 3"/><text class="tick" x="${px + 3}" y="${MARGIN.top + 12 + i * 13}" fill="${m.color}">${escapeHtml(m.name)}</text>`;
    });
  const axes = `<line class="axis" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H}"/>`;
  const format = (v: number) => (v >= 10_000 ? `${round(v / 1000)}k` : String(round(v)));
  return svg(
    label,
    `${valueAxis(top, step, format, y)}${ticks.join('')}${axes}${bars.join('')}${marks.join('')}`,
  );
}
