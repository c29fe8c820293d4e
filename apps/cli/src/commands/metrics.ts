import {
  calculateMetrics,
  EXACT_LATENCY_LIMIT,
  type PercentileMethod,
  type WindowMetrics,
} from '@eventkit/core/analysis';
import { type BreakdownKey, formatTable } from '../by-instance.js';
import type { CliContext } from '../context.js';
import { reportSkippedMalformed } from '../event-stream.js';
import { EXIT } from '../exit-codes.js';
import { resolveInputs } from '../input-files.js';
import type { InputFlags } from '../input-options.js';
import { formatCount } from '../number-format.js';
import { approx, approximateNote, exactLimitFrom } from '../percentiles.js';
import { formatWindow } from '../window-label.js';

export interface MetricsFlags extends Omit<InputFlags, 'since' | 'until'> {
  /** Seconds. */
  window: number;
  json?: boolean;
  by?: BreakdownKey;
}

/**
 * Window metrics over the named files, as the seed's calculate_metrics computes them, with
 * percentiles read by `percentiles` (`seed` for `metrics`, summarize's `linear` for the others).
 */
export async function loadWindowMetrics(
  ctx: CliContext,
  args: string[],
  flags: Omit<MetricsFlags, 'json'>,
  percentiles: PercentileMethod,
): Promise<WindowMetrics> {
  const exactLimit = exactLimitFrom(ctx.env);
  const since = ctx.now().getTime() / 1000 - flags.window;
  const inputs = await resolveInputs(args, ctx, { ...flags, since });
  const metrics = await calculateMetrics(inputs, {
    windowHours: flags.window / 3600,
    now: ctx.now,
    includeRotated: false,
    percentiles,
    exactLimit,
    by: flags.by,
  });
  // The seed skips malformed lines; saying so keeps a damaged file from passing for a quiet one.
  reportSkippedMalformed(ctx, metrics.malformed_lines, metrics.first_malformed[0]);
  return metrics;
}

/** The note under figures marked ≈, naming the bound in force. */
export function windowApproximateNote(ctx: CliContext): string {
  return approximateNote(exactLimitFrom(ctx.env) ?? EXACT_LATENCY_LIMIT);
}

/** `eventkit metrics`: the seed's calculate_metrics fields for the last --window. */
export async function runMetrics(
  ctx: CliContext,
  args: string[],
  flags: MetricsFlags,
): Promise<number> {
  const metrics = await loadWindowMetrics(ctx, args, flags, 'seed');
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows: [string, string][] = [
    ['Total requests', formatCount(metrics.total_requests)],
    ['Requests/s', formatRate(metrics.requests_per_second)],
    ['Success rate', `${metrics.success_rate.toFixed(2)}%`],
    ['Error rate', `${metrics.error_rate.toFixed(2)}%`],
    ['Latency p50', approx(formatMs(metrics.latency_p50), metrics.approximate)],
    ['Latency p95', approx(formatMs(metrics.latency_p95), metrics.approximate)],
    ['Latency p99', approx(formatMs(metrics.latency_p99), metrics.approximate)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  ctx.stdout.write(
    `=== Metrics (last ${formatWindow(flags.window)}) ===\n${rows
      .map(([label, value]) => `${`${label}:`.padEnd(width + 1)} ${value}`)
      .join('\n')}\n${metrics.approximate ? `${windowApproximateNote(ctx)}\n` : ''}`,
  );
  if (metrics.instances) ctx.stdout.write(instanceTable(metrics, metrics.instances));
  return EXIT.ok;
}

/** One row per instance and one for the fleet: the same fields as the block above. */
function instanceTable(fleet: WindowMetrics, instances: Record<string, WindowMetrics>): string {
  const row = (name: string, m: WindowMetrics) => [
    name,
    formatCount(m.total_requests),
    formatRate(m.requests_per_second),
    `${m.success_rate.toFixed(2)}%`,
    `${m.error_rate.toFixed(2)}%`,
    approx(formatMs(m.latency_p50), m.approximate),
    approx(formatMs(m.latency_p95), m.approximate),
    approx(formatMs(m.latency_p99), m.approximate),
  ];
  const rows = [
    ['INSTANCE', 'REQUESTS', 'REQ/S', 'SUCCESS', 'ERRORS', 'P50', 'P95', 'P99'],
    ...Object.entries(instances).map(([name, m]) => row(name, m)),
    row('(fleet)', fleet),
  ];
  return `\nBy instance:\n${formatTable(rows).join('\n')}\n`;
}

export function formatMs(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(2)}ms`;
}

export function formatRate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(3);
}
