import { EventKitError } from '../errors.js';
import type { TelemetryInput } from '../reader/telemetry-file.js';
import { runSummary } from './summarize.js';

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
}

/**
 * The seed's `calculate_metrics(telemetry_file, window_hours=24)`: requests in the window, success
 * and error rate (percent, 0 when there are none), latency p50/p95/p99 over all actions
 * (`sorted[int(n*q)]`, exact up to 1,000 samples and within 1% beyond; 0 when empty), and
 * requests per second over the whole window. Malformed lines are skipped.
 *
 * @example
 * const metrics = await calculateMetrics('telemetry.jsonl', { windowHours: 1 });
 * console.log(JSON.stringify(metrics, null, 2));
 */
export async function calculateMetrics(
  paths: TelemetryInput | TelemetryInput[],
  { windowHours = 24, now = () => new Date(), includeRotated, threads }: WindowMetricsOptions = {},
): Promise<WindowMetrics> {
  if (!(windowHours > 0) || !Number.isFinite(windowHours)) {
    throw new EventKitError(
      'INVALID_INPUT',
      `window of ${windowHours} hours: the window must be a positive number of hours (e.g. 24).`,
    );
  }
  const windowSeconds = windowHours * 3600;
  const since = now().getTime() / 1000 - windowSeconds;
  const { builder } = await runSummary(paths, { since, includeRotated, threads });
  const summary = builder.result();
  const latency = builder.overallLatency();
  return {
    window_hours: windowHours,
    total_requests: summary.total,
    success_rate: summary.success_rate,
    error_rate: summary.error_rate,
    latency_p50: latency.quantile(0.5) ?? 0,
    latency_p95: latency.quantile(0.95) ?? 0,
    latency_p99: latency.quantile(0.99) ?? 0,
    requests_per_second: summary.total / windowSeconds,
  };
}
