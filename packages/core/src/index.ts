export type { EventKitErrorCode } from './errors.js';
export { EventKitError, isEventKitError } from './errors.js';
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
