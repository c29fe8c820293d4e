import type { TelemetrySummary } from '@eventkit/core/analysis';
import { formatCount, formatOneDecimal } from '../number-format.js';
import { gapLines } from '../summary-report.js';
import { escapeHtml as esc } from './html-escape.js';
import { type ChangeRow, REGRESSION } from './period-change.js';
import type { PeriodView, ReportModel } from './report-model.js';
import { REPORT_CSS } from './report-style.js';
import { histogramChart, type LineSeries, lineChart } from './svg-chart.js';
import { HISTOGRAM_BOUNDS_MS } from './time-buckets.js';

export interface RenderOptions {
  /** The inputs as the user named them (`telemetry.jsonl`, `<stdin>`). */
  inputs: string[];
  /** When the report was made (Unix seconds). */
  generatedAt: number;
}

/** Colour-blind-safe palette (Tableau 10), one colour per action in the order of the summary. */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
const PERCENTILE_COLORS = { p50: '#59a14f', p95: '#f28e2b', p99: '#e15759' } as const;

const utc = (ts: number) =>
  `${new Date(ts * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
const pct = (v: number) => `${formatOneDecimal(v)}%`;
const ms = (v: number) => `${formatOneDecimal(v)} ms`;

/** A number as shown, with its exact value for tests and scripts (`data-value`). */
function num(metric: string, value: number, text: string, tag = 'span', cls = ''): string {
  const klass = cls ? ` class="${cls}"` : '';
  return `<${tag}${klass} data-metric="${esc(metric)}" data-value="${value}">${esc(text)}</${tag}>`;
}

function unitText(unit: ChangeRow['unit'], value: number): string {
  if (unit === 'count') return formatCount(value);
  return unit === '%' ? pct(value) : ms(value);
}

function changeText(row: ChangeRow): string {
  const diff = row.current - row.previous;
  const abs = Math.abs(diff);
  const amount =
    row.unit === 'count'
      ? formatCount(abs)
      : `${formatOneDecimal(abs)} ${row.unit === '%' ? 'pt' : 'ms'}`;
  // A change that rounds to nothing reads as none, not as "−0.0".
  const sign = /^[0.]+ /.test(`${amount} `) ? '±' : diff > 0 ? '+' : '−';
  const relative =
    row.previous > 0 && row.unit !== '%'
      ? ` (${sign}${formatOneDecimal((abs / row.previous) * 100)}%)`
      : '';
  return `${sign}${amount}${relative}`;
}

function periodText(view: PeriodView): string {
  const { summary } = view;
  if (view.since !== null) {
    const until = view.until === null ? 'now' : utc(view.until);
    return `${utc(view.since)} to ${until}`;
  }
  if (summary.first_ts === null || summary.last_ts === null) return 'no events';
  return `${utc(summary.first_ts)} to ${utc(summary.last_ts)} (all events${view.until === null ? '' : ` before ${utc(view.until)}`})`;
}

function summaryCards(view: PeriodView, changes: ChangeRow[] | undefined): string {
  const s = view.summary;
  const delta = (key: string) => {
    const row = changes?.find((c) => c.key === key);
    if (row === undefined) return '';
    return `<div class="delta ${row.direction}">${esc(changeText(row))} vs previous${row.direction === 'regression' ? ' ▲ regression' : ''}</div>`;
  };
  const card = (label: string, value: string, extra = '') =>
    `<div class="card"><div class="label">${label}</div><div class="value">${value}</div>${extra}</div>`;
  return `<div class="cards">${[
    card('Requests', num('total', s.total, formatCount(s.total)), delta('total')),
    card('Success rate', num('success_rate', s.success_rate, pct(s.success_rate))),
    card('Error rate', num('error_rate', s.error_rate, pct(s.error_rate)), delta('error_rate')),
    card('Failures', num('failures', s.failures, formatCount(s.failures))),
    card(
      'Malformed lines',
      num('malformed_lines', s.malformed_lines, formatCount(s.malformed_lines)),
    ),
    card(
      'Events lost (gaps)',
      num('gaps.dropped', s.gaps.dropped, formatCount(s.gaps.dropped)),
      `<div class="delta muted">${num('gaps.records', s.gaps.records, formatCount(s.gaps.records))} gap records</div>`,
    ),
  ].join('')}</div>`;
}

function table(head: string[], rows: string[], numeric: boolean[] = []): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="num"' : ''}>${h}</th>`).join('');
  return `<div class="table-wrap"><table><thead><tr>${th}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function actionsTable(summary: TelemetrySummary, prefix = ''): string {
  const rows = Object.entries(summary.actions).map(([name, a]) => {
    const m = (field: string) => `${prefix}actions.${name}.${field}`;
    return `<tr><td>${esc(name)}</td>${num(m('count'), a.count, formatCount(a.count), 'td', 'num')}${num(m('share'), a.share, pct(a.share), 'td', 'num')}${num(m('failures'), a.failures, formatCount(a.failures), 'td', 'num')}${num(m('p50_ms'), a.p50_ms, formatOneDecimal(a.p50_ms), 'td', 'num')}${num(m('p95_ms'), a.p95_ms, formatOneDecimal(a.p95_ms), 'td', 'num')}${num(m('p99_ms'), a.p99_ms, formatOneDecimal(a.p99_ms), 'td', 'num')}</tr>`;
  });
  if (rows.length === 0) return '<p class="muted">No requests in this period.</p>';
  return table(['Action', 'Count', 'Share', 'Failures', 'p50 ms', 'p95 ms', 'p99 ms'], rows, [
    false,
    true,
    true,
    true,
    true,
    true,
    true,
  ]);
}

function sloTable(view: PeriodView, previous: PeriodView | undefined): string {
  const rows = view.slo.checks.map((check) => {
    const fmt = (v: number) =>
      check.unit === 'ms' ? ms(v) : check.unit === '%' ? pct(v) : `${formatOneDecimal(v)}/s`;
    const before = previous?.slo.checks.find((c) => c.name === check.name);
    const was =
      before === undefined
        ? ''
        : `<td class="${before.ok ? 'pass' : 'fail'}">${before.ok ? 'PASS' : 'FAIL'}</td>`;
    const broke = before?.ok === true && !check.ok;
    return `<tr${broke ? ' class="regression"' : ''}><td>${esc(check.label)}</td><td class="num">${check.comparison}${esc(fmt(check.target))}</td>${num(`slo.${check.name}`, check.actual, fmt(check.actual), 'td', 'num')}<td class="${check.ok ? 'pass' : 'fail'}" data-slo="${check.name}" data-ok="${check.ok}">${check.ok ? 'PASS' : 'FAIL'}</td>${was}</tr>`;
  });
  const head = ['Check', 'Target', 'Actual', 'Result', ...(previous ? ['Previous period'] : [])];
  const failed = view.slo.checks.filter((c) => !c.ok).length;
  const verdict =
    view.summary.total === 0
      ? 'No requests: nothing to check.'
      : failed === 0
        ? 'All targets met.'
        : `${failed} of ${view.slo.checks.length} targets breached.`;
  return `${table(head, rows, [false, true, true])}<p class="${failed === 0 ? 'pass' : 'fail'}">${verdict}</p>`;
}

function changeTable(rows: ChangeRow[]): string {
  const body = rows.map((row) => {
    const mark =
      row.direction === 'regression'
        ? '▲ regression'
        : row.direction === 'improvement'
          ? '▼ better'
          : '';
    return `<tr class="${row.direction}" data-change="${esc(row.key)}" data-direction="${row.direction}"><td>${esc(row.label)}</td>${num(`previous.${row.key}`, row.previous, unitText(row.unit, row.previous), 'td', 'num')}${num(`current.${row.key}`, row.current, unitText(row.unit, row.current), 'td', 'num')}<td class="num">${esc(changeText(row))}</td><td class="${row.direction}">${mark}</td></tr>`;
  });
  return table(['Metric', 'Previous', 'This period', 'Change', ''], body, [
    false,
    true,
    true,
    true,
  ]);
}

function legend(items: { name: string; color: string; dashed?: boolean }[]): string {
  return `<ul class="legend">${items.map((i) => `<li><span class="swatch" style="background:${i.color}${i.dashed ? ';opacity:.6' : ''}"></span>${esc(i.name)}</li>`).join('')}</ul>`;
}

function figure(caption: string, body: string): string {
  return `<figure><figcaption>${esc(caption)}</figcaption>${body}</figure>`;
}

function overTime(view: PeriodView): string {
  const { series, width } = view;
  if (view.summary.total === 0) return '<p class="muted">No requests in this period.</p>';
  const starts = series.map((p) => p.start);
  const names = Object.keys(view.summary.actions);
  const color = (i: number) => PALETTE[i % PALETTE.length] as string;
  const perAction = (
    value: (p: (typeof series)[number], name: string) => number | null,
  ): LineSeries[] =>
    names.map((name, i) => ({ name, color: color(i), values: series.map((p) => value(p, name)) }));
  const rate = lineChart({
    label: 'Requests per second over time, by action',
    starts,
    width,
    series: perAction((p, name) => (p.actions[name]?.count ?? 0) / p.seconds),
    format: (v) => (v >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100)),
  });
  const errors = lineChart({
    label: 'Error ratio over time (% of requests failed), by action',
    starts,
    width,
    series: perAction((p, name) => {
      const a = p.actions[name];
      return a && a.count > 0 ? (a.failures / a.count) * 100 : null;
    }),
    format: (v) => `${Math.round(v * 10) / 10}%`,
  });
  const actionLegend = legend(names.map((name, i) => ({ name, color: color(i) })));
  const latency = names.map((name) =>
    figure(
      `${name}: latency p50 / p95 / p99 (ms)`,
      lineChart({
        label: `${name} latency percentiles over time (ms)`,
        starts,
        width,
        series: (['p50', 'p95', 'p99'] as const).map((q) => ({
          name: q,
          color: PERCENTILE_COLORS[q],
          values: series.map((p) => {
            const a = p.actions[name];
            return a && a.count > 0 ? a[`${q}_ms`] : null;
          }),
        })),
        format: (v) => String(Math.round(v * 10) / 10),
      }),
    ),
  );
  const bucket =
    width >= 3600 ? `${width / 3600} h` : width >= 60 ? `${width / 60} min` : `${width} s`;
  return `<p class="muted">Buckets of ${bucket} (UTC).</p>${actionLegend}<div class="charts">${figure('Request rate (requests/s)', rate)}${figure('Error ratio (%)', errors)}</div><h3>Latency by action</h3>${legend((['p50', 'p95', 'p99'] as const).map((q) => ({ name: q, color: PERCENTILE_COLORS[q] })))}<div class="charts">${latency.join('')}</div>`;
}

function distribution(view: PeriodView): string {
  if (view.summary.total === 0) return '<p class="muted">No requests in this period.</p>';
  const markers = (['p50', 'p95', 'p99'] as const).map((q) => ({
    name: q,
    value: view.overall[`${q}_ms`],
    color: PERCENTILE_COLORS[q],
  }));
  const chart = histogramChart({
    label: 'Latency distribution over all actions (log scale)',
    bounds: HISTOGRAM_BOUNDS_MS,
    counts: view.histogram,
    markers,
  });
  return `<div class="charts single">${figure('Requests by latency, all actions (log scale)', chart)}</div>`;
}

function errorsTable(view: PeriodView, previous: PeriodView | undefined): string {
  if (view.errors.length === 0) return '<p class="muted">No failed requests in this period.</p>';
  const rows = view.errors.map((e) => {
    const before = previous?.errors.find((p) => p.message === e.message)?.count ?? 0;
    const was = previous ? `<td class="num">${formatCount(before)}</td>` : '';
    return `<tr><td class="msg">${esc(e.message)}</td><td class="num" data-error-count>${formatCount(e.count)}</td>${was}<td class="num">${pct(view.summary.failures > 0 ? (e.count / view.summary.failures) * 100 : 0)}</td><td>${esc(e.actions.join(', '))}</td></tr>`;
  });
  const head = [
    'Message',
    'Count',
    ...(previous ? ['Previous period'] : []),
    'Of failures',
    'Actions',
  ];
  return table(head, rows, [false, true, ...(previous ? [true] : []), true, false]);
}

function slowestTable(view: PeriodView): string {
  if (view.slowest.length === 0) return '<p class="muted">No requests in this period.</p>';
  const rows = view.slowest.map(
    (r) =>
      `<tr><td class="num">${formatOneDecimal(r.latency_ms)}</td><td>${esc(r.action)}</td><td class="mono">${utc(r.ts)}</td><td><code>${esc(r.trace_id ?? '—')}</code></td><td>${esc(r.instance ?? '—')}</td><td class="msg">${r.success ? '<span class="pass">ok</span>' : esc(r.error ?? 'failed')}</td></tr>`,
  );
  return table(['ms', 'Action', 'Time', 'Trace id', 'Instance', 'Outcome'], rows, [true]);
}

function dataQuality(view: PeriodView): string {
  const s = view.summary;
  const malformed =
    s.malformed_lines === 0
      ? '<p>No malformed lines.</p>'
      : `<p>${formatCount(s.malformed_lines)} malformed ${s.malformed_lines === 1 ? 'line was' : 'lines were'} skipped. The first:</p><ul>${s.first_malformed.map((m) => `<li><code>${esc(m.file)}:${m.line}</code> ${esc(m.reason)}</li>`).join('')}</ul>`;
  const gaps =
    s.gaps.records === 0
      ? '<p>No telemetry gaps: the writer recorded every event.</p>'
      : `<ul>${gapLines(s.gaps)
          .map((line) => `<li>${esc(line)}</li>`)
          .join('')}</ul>`;
  return `<h3>Malformed lines</h3>${malformed}<h3>Telemetry gaps</h3>${gaps}`;
}

/**
 * The report as one HTML file: inline CSS, SVG drawn now, no script and a Content Security
 * Policy that forbids fetching anything, so it shows the same offline, on a phone and printed.
 */
export function renderReportHtml(model: ReportModel, options: RenderOptions): string {
  const { current, previous, changes } = model;
  const regressions = changes?.filter((c) => c.direction === 'regression') ?? [];
  const approximate = (current.summary as { approximate?: boolean }).approximate === true;
  const bound = (v: number | null) => (v === null ? '' : String(v));
  const compareSection =
    previous && changes
      ? `<section id="compare"><h2>Change against the previous period</h2><p class="muted">Previous period: ${esc(periodText(previous))}${model.comparedBy === 'halves' ? ' (without --since, the data’s time span is cut in two: the later half against the earlier)' : ''}.</p><div class="banner ${regressions.length > 0 ? 'regression' : 'ok'}" data-regressions="${regressions.length}">${regressions.length > 0 ? `▲ ${regressions.length} regression${regressions.length === 1 ? '' : 's'}: ${esc(regressions.map((r) => r.label).join(', '))}` : 'No regression against the previous period.'}</div>${changeTable(changes)}<p class="muted">A regression is a percentile at least ${Math.round((REGRESSION.latencyRatio - 1) * 100)}% and ${REGRESSION.latencyMinMs} ms slower, or an error rate at least ${REGRESSION.errorRatePoints} point higher.</p></section>`
      : '';
  return `<!doctype html>
<html lang="en" data-since="${bound(current.since)}" data-until="${bound(current.until)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Event Kit telemetry report</title>
<style>${REPORT_CSS}</style>
</head>
<body><main>
<header><h1>Event Kit telemetry report</h1>
<p><strong>Period:</strong> ${esc(periodText(current))}<br><span class="muted">Input: ${esc(options.inputs.join(', '))} · made ${utc(options.generatedAt)}${approximate ? ' · percentiles approximate (≈), past the exact-percentile memory bound' : ''}</span></p></header>
<section id="summary"><h2>Summary</h2>${summaryCards(current, changes)}</section>
${compareSection}
<section id="slo"><h2>SLO status</h2><p class="muted">The seed’s key-metric targets, with latency over all actions.</p>${sloTable(current, previous)}</section>
<section id="actions"><h2>Actions</h2>${actionsTable(current.summary)}</section>
<section id="over-time"><h2>Over time</h2>${overTime(current)}</section>
<section id="distribution"><h2>Latency distribution</h2>${distribution(current)}</section>
<section id="errors"><h2>Top errors</h2>${errorsTable(current, previous)}</section>
<section id="slowest"><h2>Slowest requests</h2>${slowestTable(current)}</section>
<section id="quality"><h2>Data quality</h2>${dataQuality(current)}</section>
<footer><p>Per-action percentiles are those of <code>eventkit summarize</code>; the SLO checks use latency over all actions as <code>eventkit metrics</code> and <code>eventkit slo</code> do. Counts and rates exclude gap records, which are counted apart.</p></footer>
</main></body>
</html>
`;
}
