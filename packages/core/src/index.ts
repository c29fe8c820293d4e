/**
 * `@eventkit/core`: writing telemetry and the agent's logic — the telemetry writer and rotation,
 * session sources (agent.json, its external file, a Microsoft Graph calendar), scoring,
 * itineraries and the per-action telemetry payload. Reading telemetry is in
 * `@eventkit/core/analysis`, the line format and its files in `@eventkit/core/telemetry`, and
 * agent.json in `@eventkit/core/manifest`: each name is exported by one entry only.
 */

// Errors (shared by every entry)

export type { EventKitErrorCode } from './errors.js';
export { EventKitError, exitCodeFor, isEventKitError } from './errors.js';

// Writing telemetry

export type { HealthCheck, TelemetryWritableCheckOptions } from './health/checks.js';
export { telemetryWritableCheck } from './health/checks.js';
export type { RotateFileOptions, RotateFileResult } from './rotation/rotate-file.js';
export { rotateFile } from './rotation/rotate-file.js';
export { telemetryEventSchema } from './telemetry/event-schema.js';
export type {
  TelemetryGap,
  TelemetryRetention,
  TelemetryWriter,
  TelemetryWriterOptions,
  TelemetryWriterStats,
} from './telemetry/telemetry-writer.js';
export { createTelemetryWriter } from './telemetry/telemetry-writer.js';

// Sessions: agent.json (and its external file) or a Microsoft Graph calendar

export type {
  LoadedSessions,
  SessionQuery,
  SessionSource,
  SessionSourceOptions,
} from './agent/session-source.js';
export { createSessionSource } from './agent/session-source.js';
export type { GraphClient, GraphClientOptions, ListSessionsOptions } from './graph/graph-client.js';
export { createGraphClient } from './graph/graph-client.js';
export type { GraphConfig } from './graph/graph-config.js';
export { graphConfigFromEnv } from './graph/graph-config.js';
export type { GraphLogger } from './graph/graph-transport.js';

// Scoring

export { parseInterests } from './agent/interests.js';
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
  explainSession,
  findConflicts,
  rankScoredSessions,
  recommendSessions,
  scoreSessions,
} from './agent/scoring.js';

// Itineraries and exports

export type {
  ExportFormat,
  ExportRetention,
  SavedExport,
  SaveExportOptions,
} from './agent/export-file.js';
export { saveExport } from './agent/export-file.js';
export type { RenderedItinerary, RenderItineraryOptions } from './agent/itinerary.js';
export { renderItinerary } from './agent/itinerary.js';
export type { ItineraryOptions } from './agent/itinerary-markdown.js';
export { describeSessionTime } from './agent/itinerary-time.js';

// The telemetry payload of an agent action

export type { ActionFacts, AgentAction } from './agent/action-payload.js';
export { actionPayload } from './agent/action-payload.js';
