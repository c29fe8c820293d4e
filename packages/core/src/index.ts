export type { EventKitErrorCode } from './errors.js';
export { EventKitError, isEventKitError } from './errors.js';
export type { LogLevel } from './logging/log-format.js';
export { escapeLogText, formatLogLine, formatLogTime, LOG_LEVELS } from './logging/log-format.js';
export type { Logger, LoggerOptions, LogSink } from './logging/logger.js';
export { createLogger, parseLogLevel } from './logging/logger.js';
export type {
  ActionFolder,
  ActionFolderOptions,
  MetricDefinition,
  MetricKey,
  MetricName,
} from './metrics-catalog/metrics-catalog.js';
export {
  AUTH_FAILURE_ACTION,
  createActionFolder,
  EXTRA_ACTIONS_CAP,
  exposedSeriesNames,
  initialActionLabels,
  LATENCY_BUCKETS_SECONDS,
  METRIC_CATALOG,
  METRIC_NAMES,
  OTHER_ACTION,
} from './metrics-catalog/metrics-catalog.js';
export { listRotatedFiles, rotatedFileName } from './rotation/rotated-files.js';
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
  telemetryEventSchema,
} from './telemetry/event.js';
