/**
 * `@eventkit/core/telemetry`: the telemetry line and its files, for consumers such as the
 * exporter and `eventkit tail` — the event parser and types, the line decoder, the file
 * follower, rotated-file discovery, the metrics catalog and the health probe. It loads neither
 * zod nor @datadog/sketches-js. Each name is exported by one entry only; the error
 * classes are shared by all entries (one module, one `EventKitError`).
 */

// Errors

export type { EventKitErrorCode } from './errors.js';
export { EventKitError, exitCodeFor, isEventKitError } from './errors.js';

// The telemetry line: its parser and format, and the line decoder

export type { LineDecoder } from './reader/line-decoder.js';
export { createLineDecoder } from './reader/line-decoder.js';
export type { MalformedLine } from './reader/telemetry-file.js';
export type {
  KnownTelemetryAction,
  ParsedLine,
  TelemetryEvent,
  TelemetryEventInput,
} from './telemetry/event.js';
export {
  formatTelemetryLine,
  parseTelemetryLine,
  TELEMETRY_ACTIONS,
  TELEMETRY_GAP_ACTION,
} from './telemetry/event.js';

// Files: following a live file, finding its rotated archives and every worker's file

export type {
  FileChange,
  FileFollower,
  FileFollowerOptions,
  FilePosition,
} from './follow/file-follower.js';
export { createFileFollower } from './follow/file-follower.js';
export type { DroppedLineReason } from './follow/line-feed.js';
export { listRotatedFiles } from './rotation/rotated-files.js';
export { instanceTelemetryFiles, workerTelemetryFile } from './rotation/worker-files.js';

// Metrics catalog: names, buckets and the rule folding unknown actions into `other`

export type {
  ActionFold,
  MetricDefinition,
  MetricKey,
  MetricName,
} from './metrics-catalog/metrics-catalog.js';
export {
  AUTH_FAILURE_ACTION,
  EXTRA_ACTIONS_CAP,
  foldAction,
  LATENCY_BUCKETS_SECONDS,
  METRIC_CATALOG,
  OTHER_ACTION,
} from './metrics-catalog/metrics-catalog.js';

// Health

export { diskFreeRatio } from './health/checks.js';
export type { HealthProbe, HealthState, ProbeHealthOptions } from './health/probe-health.js';
export { probeHealth } from './health/probe-health.js';
