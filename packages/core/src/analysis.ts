/**
 * `@eventkit/core/analysis`: reading and summarising telemetry files — `readTelemetry`,
 * `summarizeTelemetry`, `calculateMetrics`, the summary builder and latency sketch — without the
 * manifest, agent, graph, logging and SLO modules of the main entry, nor zod. For commands that
 * only read telemetry (`eventkit summarize` loads this instead of the whole index). Everything
 * here is also exported by `@eventkit/core`, from the same modules; `EventKitError` is in
 * `@eventkit/core/telemetry`.
 */
export type { LatencySketch, SerializedLatencySketch } from './metrics/latency-sketch.js';
export {
  createLatencySketch,
  EXACT_SAMPLE_LIMIT,
  latencySketchFromJSON,
  SKETCH_RELATIVE_ACCURACY,
} from './metrics/latency-sketch.js';
export type { SummarizeOptions } from './metrics/summarize.js';
export { summarizeTelemetry } from './metrics/summarize.js';
export type {
  ActionSummary,
  SummaryBuilder,
  SummaryEvent,
  TelemetrySummary,
} from './metrics/summary-builder.js';
export { createSummaryBuilder } from './metrics/summary-builder.js';
export type { WindowMetrics, WindowMetricsOptions } from './metrics/window-metrics.js';
export { calculateMetrics } from './metrics/window-metrics.js';
export type { ReadOptions, ReadStats, TelemetryStream } from './reader/read-telemetry.js';
export { readTelemetry } from './reader/read-telemetry.js';
export type { ResolveOptions } from './reader/resolve-files.js';
export { resolveTelemetryFiles } from './reader/resolve-files.js';
export type { MalformedLine } from './reader/telemetry-file.js';
