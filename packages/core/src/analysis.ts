/**
 * `@eventkit/core/analysis`: reading and summarising telemetry files (the live file and its
 * rotated archives) — for commands that only read telemetry, such as `eventkit summarize`. It
 * loads neither zod nor the manifest, agent and graph modules.
 */
export type { LatencySketch } from './metrics/latency-sketch.js';
export type { PercentileMethod } from './metrics/percentile.js';
export type { SummarizeOptions } from './metrics/summarize.js';
export { summarizeTelemetry } from './metrics/summarize.js';
export type {
  ActionSummary,
  GapEpisode,
  GapSummary,
  SummaryBuilder,
  SummaryBuilderOptions,
  SummaryEvent,
  TelemetrySummary,
} from './metrics/summary-builder.js';
export { createSummaryBuilder, EXACT_LATENCY_LIMIT } from './metrics/summary-builder.js';
export type { SummaryLine } from './metrics/summary-range.js';
export type { WindowMetrics, WindowMetricsOptions } from './metrics/window-metrics.js';
export { calculateMetrics } from './metrics/window-metrics.js';
export type { ReadOptions, ReadStats, TelemetryStream } from './reader/read-telemetry.js';
export { readTelemetry } from './reader/read-telemetry.js';
export type { ResolveOptions } from './reader/resolve-files.js';
export { resolveTelemetryFiles } from './reader/resolve-files.js';
export type { TelemetryInput, TelemetrySource } from './reader/telemetry-file.js';
