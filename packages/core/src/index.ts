export type {
  AdaptiveCard,
  AdaptiveCardElement,
  AdaptiveCardOptions,
} from './agent/adaptive-card.js';
export { ADAPTIVE_CARD_SCHEMA, buildAdaptiveCard } from './agent/adaptive-card.js';
export type { ExportFileNameOptions, ExportFormat } from './agent/export-file.js';
export {
  EXPORT_CONTENT_TYPES,
  EXPORT_EXTENSIONS,
  exportFileName,
  resolveInside,
  writeExportFile,
} from './agent/export-file.js';
export { parseInterests } from './agent/interests.js';
export { escapeIcsText, foldIcsLine, renderItineraryIcs } from './agent/itinerary-ics.js';
export type { ItineraryOptions } from './agent/itinerary-markdown.js';
export { escapeMarkdown, renderItineraryMarkdown } from './agent/itinerary-markdown.js';
export type { LoadSessionsOptions, SessionLoader } from './agent/load-sessions.js';
export { createSessionLoader, loadSessions } from './agent/load-sessions.js';
export type { ProfileStore, ProfileStoreOptions } from './agent/profile-store.js';
export { createProfileStore } from './agent/profile-store.js';
export { pythonRound } from './agent/python-round.js';
export type {
  Conflict,
  Contributions,
  Explanation,
  Recommendation,
  RecommendOptions,
  ScoredSession,
  SessionScore,
} from './agent/scoring.js';
export {
  DEFAULT_WEIGHTS,
  explainSession,
  findConflicts,
  rankScoredSessions,
  recommendSessions,
  scoreSessions,
} from './agent/scoring.js';
export type { EventKitErrorCode } from './errors.js';
export { EventKitError, isEventKitError } from './errors.js';
export { createFileFollower } from './follow/file-follower.js';
export type { GraphClient, GraphClientOptions, ListSessionsOptions } from './graph/graph-client.js';
export { createGraphClient } from './graph/graph-client.js';
export type { GraphConfig } from './graph/graph-config.js';
export {
  DEFAULT_GRAPH_API_URL,
  DEFAULT_GRAPH_AUTHORITY_URL,
  graphConfigFromEnv,
} from './graph/graph-config.js';
export { DEFAULT_GRAPH_POPULARITY } from './graph/graph-events.js';
export type { GraphAuthCheckOptions } from './graph/graph-health.js';
export { GRAPH_AUTH_FAILED, graphAuthCheck } from './graph/graph-health.js';
export type { GraphLogger } from './graph/graph-transport.js';
export type { GraphWindowOptions } from './graph/graph-window.js';
export {
  DEFAULT_GRAPH_WINDOW_DAYS,
  graphWindow,
  MAX_GRAPH_WINDOW_DAYS,
} from './graph/graph-window.js';
export type { TelemetryWritableCheckOptions } from './health/checks.js';
export {
  diskFreeRatio,
  TELEMETRY_DISK_FULL,
  TELEMETRY_NOT_WRITABLE,
  telemetryWritableCheck,
} from './health/checks.js';
export type {
  HealthCheck,
  HealthModel,
  HealthModelOptions,
  HealthReport,
} from './health/health-model.js';
export { createHealthModel } from './health/health-model.js';
export type { HealthProbe, HealthState, ProbeHealthOptions } from './health/probe-health.js';
export { probeHealth } from './health/probe-health.js';
export type { LogLevel } from './logging/log-format.js';
export { escapeLogText, formatLogLine, formatLogTime, LOG_LEVELS } from './logging/log-format.js';
export type { Logger, LoggerOptions, LogSink } from './logging/logger.js';
export { createLogger, createStderrSink, parseLogLevel } from './logging/logger.js';
export { formatIssues, formatPath } from './manifest/format-issues.js';
export type {
  ExportSettings,
  LoadedManifest,
  LoadManifestOptions,
  TelemetrySettings,
} from './manifest/load-manifest.js';
export {
  DEFAULT_TELEMETRY_MAX_AGE_DAYS,
  DEFAULT_TELEMETRY_MAX_FILES,
  DEFAULT_TELEMETRY_MAX_SIZE_BYTES,
  exportSettings,
  loadManifest,
  MAX_MANIFEST_BYTES,
  parseJsonText,
  parseManifest,
  SAMPLE_MANIFEST_PATH,
  telemetrySettings,
} from './manifest/load-manifest.js';
export type {
  Manifest,
  ManifestInput,
  Session,
  SessionInput,
  Weights,
} from './manifest/manifest-schema.js';
export {
  manifestSchema,
  sessionSchema,
  telemetryConfigSchema,
  weightsSchema,
} from './manifest/manifest-schema.js';
export type { SessionInterval, SessionTime } from './manifest/session-time.js';
export { intervalsOverlap, parseSessionTime, sessionInterval } from './manifest/session-time.js';
export type { LatencySketch, SerializedLatencySketch } from './metrics/latency-sketch.js';
export {
  createLatencySketch,
  EXACT_SAMPLE_LIMIT,
  latencySketchFromJSON,
  SKETCH_RELATIVE_ACCURACY,
} from './metrics/latency-sketch.js';
export type { SloCheck, SloResult, SloTargets } from './metrics/slo.js';
export {
  DEFAULT_SLO_TARGETS,
  evaluateSlo,
  parseSloTargets,
  sloTargetsSchema,
} from './metrics/slo.js';
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
export type {
  ActionFold,
  MetricDefinition,
  MetricKey,
  MetricName,
} from './metrics-catalog/metrics-catalog.js';
export {
  AUTH_FAILURE_ACTION,
  EXTRA_ACTIONS_CAP,
  exposedSeriesNames,
  foldAction,
  LATENCY_BUCKETS_SECONDS,
  METRIC_CATALOG,
  METRIC_NAMES,
  OTHER_ACTION,
} from './metrics-catalog/metrics-catalog.js';
export type { LineDecoder } from './reader/line-decoder.js';
export { createLineDecoder } from './reader/line-decoder.js';
export type { ReadOptions, ReadStats, TelemetryStream } from './reader/read-telemetry.js';
export { readTelemetry } from './reader/read-telemetry.js';
export type { ResolveOptions } from './reader/resolve-files.js';
export { resolveTelemetryFiles } from './reader/resolve-files.js';
export type { MalformedLine } from './reader/telemetry-file.js';
export type { GzipFileOptions } from './rotation/gzip-file.js';
export { gzipFile } from './rotation/gzip-file.js';
export type { RetentionOptions } from './rotation/retention.js';
export { applyRetention } from './rotation/retention.js';
export type { RotateFileOptions, RotateFileResult } from './rotation/rotate-file.js';
export { rotateFile } from './rotation/rotate-file.js';
export {
  listRotatedFiles,
  nextRotatedFileName,
  rotatedFileName,
} from './rotation/rotated-files.js';
export type {
  KnownTelemetryAction,
  ParsedLine,
  TelemetryEvent,
  TelemetryEventInput,
} from './telemetry/event.js';
export {
  formatTelemetryLine,
  MAX_PAYLOAD_DEPTH,
  parseTelemetryLine,
  TELEMETRY_ACTIONS,
} from './telemetry/event.js';
export { telemetryEventSchema } from './telemetry/event-schema.js';
export type {
  TelemetryRetention,
  TelemetryWriter,
  TelemetryWriterOptions,
  TelemetryWriterStats,
} from './telemetry/telemetry-writer.js';
export { createTelemetryWriter } from './telemetry/telemetry-writer.js';
