/**
 * `@eventkit/core/manifest`: loading and validating `agent.json` and reading its settings, for
 * tools that need only the manifest (the exporter's default telemetry file) without the agent,
 * reader and metrics modules.
 */
export type {
  ExportSettings,
  LoadedManifest,
  LoadManifestOptions,
  ManifestSettings,
  TelemetrySettings,
} from './manifest/load-manifest.js';
export {
  loadManifest,
  manifestSettings,
  parseManifest,
  SAMPLE_MANIFEST_PATH,
} from './manifest/load-manifest.js';
export type {
  Manifest,
  ManifestInput,
  Session,
  SessionInput,
  Weights,
} from './manifest/manifest-schema.js';
