/**
 * `@eventkit/core/manifest`: loading and validating `agent.json` and reading its settings,
 * without the agent, reader and metrics modules of the main entry. For tools that only need the
 * manifest's settings (the exporter's default telemetry file). Everything here is also
 * exported by `@eventkit/core`, from the same modules.
 */
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
