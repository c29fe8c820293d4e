/**
 * `@eventkit/core/telemetry`: the parts a telemetry consumer such as the exporter needs — the
 * event parser and types, the byte scanner, rotated-file discovery, the metrics catalog and
 * the disk-free ratio — without loading the manifest, agent, reader-pipeline and metrics-math
 * modules of the main entry, nor zod, @datadog/sketches-js or sonic-boom. (The zod schema,
 * `telemetryEventSchema`, is in the main entry: `parseTelemetryLine` applies its rules without
 * zod.) Everything here is also exported by `@eventkit/core`; both entries share the same
 * modules, so `EventKitError` from either is the same class.
 */
export type { EventKitErrorCode } from './errors.js';
export { EventKitError, isEventKitError } from './errors.js';
export type {
  FileChange,
  FileFollower,
  FileFollowerOptions,
  FilePosition,
} from './follow/file-follower.js';
export { createFileFollower } from './follow/file-follower.js';
export type { DroppedLineReason } from './follow/line-feed.js';
export { diskFreeRatio } from './health/checks.js';
export type { HealthProbe, HealthState, ProbeHealthOptions } from './health/probe-health.js';
export { probeHealth } from './health/probe-health.js';
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
export type { MalformedLine } from './reader/telemetry-file.js';
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
