import type { TelemetrySummary } from '@eventkit/core/analysis';
import { formatCount, formatOneDecimal } from './number-format.js';

export interface SummaryReportOptions {
  /** Where the first skipped line was, e.g. `telemetry.jsonl:17 (invalid JSON)`. */
  firstMalformed?: string | undefined;
}

/** Actions by count, largest first, then by name: the order of the seed's report. */
export function actionsByCount(
  summary: TelemetrySummary,
): [string, TelemetrySummary['actions'][string]][] {
  return Object.entries(summary.actions).sort(
    ([nameA, a], [nameB, b]) => b.count - a.count || nameA.localeCompare(nameB),
  );
}

/**
 * The seed's `summarize_telemetry.py` report, line for line, plus one line for skipped
 * malformed lines when there were any.
 */
export function renderSummaryReport(
  summary: TelemetrySummary,
  options: SummaryReportOptions = {},
): string {
  const lines = ['=== Telemetry Summary ===', `Total actions: ${formatCount(summary.total)}`];
  if (summary.total > 0) {
    const actions = actionsByCount(summary);
    lines.push(`Success rate: ${formatOneDecimal(summary.success_rate)}%`, '', 'Action breakdown:');
    for (const [name, stats] of actions) {
      lines.push(`  ${name}: ${formatCount(stats.count)} (${formatOneDecimal(stats.share)}%)`);
    }
    lines.push('', 'Latency (ms):');
    for (const [name, stats] of actions) {
      lines.push(
        `  ${name}: p50=${formatOneDecimal(stats.p50_ms)}, p95=${formatOneDecimal(stats.p95_ms)}, p99=${formatOneDecimal(stats.p99_ms)}`,
      );
    }
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
  return `${lines.join('\n')}\n`;
}
