import { EventKitError } from '../errors.js';
import type { MalformedLine, TelemetryInput } from '../reader/telemetry-file.js';
import type { PercentileMethod } from './percentile.js';
import { runSummary } from './summarize.js';
import type { SummaryBuilder } from './summary-builder.js';

/** The seed's `calculate_metrics` output; rates in percent, latencies in milliseconds. */
export interface WindowMetrics {
  window_hours: number;
  total_requests: number;
  success_rate: number;
  error_rate: number;
  latency_p50: number;
  latency_p95: number;
  latency_p99: number;
  requests_per_second: number;
  /** True when the percentiles come from a sketch (within 1%): more latencies than `exactLimit`. */
  approximate: boolean;
  /** Lines skipped as malformed in the files read (they carry no usable time, so no window). */
  malformed_lines: number;
  /** Where the first malformed lines were, as in TelemetrySummary. */
  first_malformed: MalformedLine[];
  /**
   * With `by: 'instance'`: the same figures for each instance's requests alone, by name (see
   * TelemetrySummary's `instances`); the fields above stay the fleet's.
   */
  instances?: Record<string, WindowMetrics>;
}

export interface WindowMetricsOptions {
  /** Look back this many hours from `now` (events with ts >= now - windowHours). Default 24. */
  windowHours?: number;
  /** Clock; default the system clock. */
  now?: () => Date;
  /** Read rotated archives too. Default true. */
  includeRotated?: boolean;
  /** Worker threads, as for summarizeTelemetry. */
  threads?: number;
  /**
   * How percentiles are read (see PercentileMethod): `seed` (default) is the seed's
   * `sorted[int(n*q)]`; `linear` is summarize's, for numbers that match its report.
   */
  percentiles?: PercentileMethod;
  /** The most latencies kept for exact percentiles, as for summarizeTelemetry. */
  exactLimit?: number;
  /** `instance`: also give each instance's figures, in `instances`. */
  by?: 'instance';
}

/**
 * The seed's `calculate_metrics(telemetry_file, window_hours=24)`: requests in the window, success
 * and error rate (percent, 0 when there are none), latency p50/p95/p99 over all actions
 * (exact `sorted[int(n*q)]` by default; 0 when empty), and requests per second over the whole
 * window (`total / window`). Malformed lines are skipped, and counted in `malformed_lines`.
 *
 * @example
 * const metrics = await calculateMetrics('telemetry.jsonl', { windowHours: 1 });
 * console.log(JSON.stringify(metrics, null, 2));
 */
export async function calculateMetrics(
  paths: TelemetryInput | TelemetryInput[],
  {
    windowHours = 24,
    now = () => new Date(),
    includeRotated,
    threads,
    percentiles = 'seed',
    exactLimit,
    by,
  }: WindowMetricsOptions = {},
): Promise<WindowMetrics> {
  if (!(windowHours > 0) || !Number.isFinite(windowHours)) {
    throw new EventKitError(
      'INVALID_INPUT',
      `window of ${windowHours} hours: the window must be a positive number of hours (e.g. 24).`,
    );
  }
  const windowSeconds = windowHours * 3600;
  const since = now().getTime() / 1000 - windowSeconds;
  const { builder } = await runSummary(paths, { since, includeRotated, threads, exactLimit, by });
  const metrics = (of: SummaryBuilder): WindowMetrics => {
    const { total, success_rate, error_rate, approximate, malformed_lines, first_malformed } =
      of.result();
    const [p50 = 0, p95 = 0, p99 = 0] =
      of.overallLatency().quantiles([0.5, 0.95, 0.99], percentiles) ?? [];
    return {
      window_hours: windowHours,
      total_requests: total,
      success_rate,
      error_rate,
      latency_p50: p50,
      latency_p95: p95,
      latency_p99: p99,
      requests_per_second: total / windowSeconds,
      approximate,
      malformed_lines,
      first_malformed,
    };
  };
  const fleet = metrics(builder);
  const members = builder.instances();
  if (members !== undefined) {
    fleet.instances = Object.fromEntries(members.map(([name, member]) => [name, metrics(member)]));
  }
  return fleet;
}
