import type { TelemetrySummary } from '@eventkit/core/analysis';
import { formatCount, formatOneDecimal } from './number-format.js';
import { approx, approximateNote } from './percentiles.js';

export interface SummaryReportOptions {
  /** Where the first skipped line was, e.g. `telemetry.jsonl:17 (invalid JSON)`. */
  firstMalformed?: string | undefined;
  /** The bound on latencies kept, named when the percentiles are approximate. */
  exactLimit?: number;
  /** The heading's text (default `Telemetry Summary`). */
  title?: string;
}

/** Actions by count, largest first, then by name: the order of the seed's report. */
export function actionsByCount(
  summary: TelemetrySummary,
): [string, TelemetrySummary['actions'][string]][] {
  return Object.entries(summary.actions).sort(
    ([nameA, a], [nameB, b]) => b.count - a.count || nameA.localeCompare(nameB),
  );
}

/** A gap's bound as the report shows it: `2026-12-07T03:44:00Z` (UTC, whole seconds). */
function gapTime(ts: number): string {
  return `${new Date(Math.floor(ts) * 1000).toISOString().slice(0, 19)}Z`;
}

/** One line per episode of lost telemetry, and one for the episodes past the listed ones. */
export function gapLines(gaps: TelemetrySummary['gaps']): string[] {
  const lines = gaps.episodes.map(
    (gap) =>
      `${formatCount(gap.dropped)} ${gap.dropped === 1 ? 'event' : 'events'} not recorded (${gap.reason}) between ${gapTime(gap.since)} and ${gapTime(gap.until)}`,
  );
  const more = gaps.records - gaps.episodes.length;
  if (more > 0) {
    const listed = gaps.episodes.reduce((sum, gap) => sum + gap.dropped, 0);
    lines.push(
      `… and ${formatCount(gaps.dropped - listed)} more events not recorded in ${formatCount(more)} later ${more === 1 ? 'gap' : 'gaps'}`,
    );
  }
  return lines;
}

/**
 * The seed's `summarize_telemetry.py` report, line for line, plus one line for skipped
 * malformed lines when there were any, and one per gap in the telemetry (events the writer
 * could not record). Approximate percentiles (past the exact limit) are marked `≈`.
 */
export function renderSummaryReport(
  summary: TelemetrySummary,
  options: SummaryReportOptions = {},
): string {
  const lines = [
    `=== ${options.title ?? 'Telemetry Summary'} ===`,
    `Total actions: ${formatCount(summary.total)}`,
  ];
  if (summary.total > 0) {
    const actions = actionsByCount(summary);
    lines.push(`Success rate: ${formatOneDecimal(summary.success_rate)}%`, '', 'Action breakdown:');
    for (const [name, stats] of actions) {
      lines.push(`  ${name}: ${formatCount(stats.count)} (${formatOneDecimal(stats.share)}%)`);
    }
    lines.push('', 'Latency (ms):');
    const ms = (value: number) => approx(formatOneDecimal(value), summary.approximate);
    for (const [name, stats] of actions) {
      lines.push(
        `  ${name}: p50=${ms(stats.p50_ms)}, p95=${ms(stats.p95_ms)}, p99=${ms(stats.p99_ms)}`,
      );
    }
    if (summary.approximate) lines.push(approximateNote(options.exactLimit));
    lines.push(
      '',
      `Error rate: ${formatOneDecimal(summary.error_rate)}% (${formatCount(summary.failures)} ${summary.failures === 1 ? 'failure' : 'failures'})`,
    );
  } else {
    lines.push('', 'No telemetry events in the selected files and time range.');
  }
  if (summary.malformed_lines > 0) {
    const where = options.firstMalformed ? `; first at ${options.firstMalformed}` : '';
    lines.push(
      `Skipped ${formatCount(summary.malformed_lines)} malformed ${summary.malformed_lines === 1 ? 'line' : 'lines'}${where}`,
    );
  }
  lines.push(...gapLines(summary.gaps));
  return `${lines.join('\n')}\n`;
}
