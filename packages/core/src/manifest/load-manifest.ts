import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventKitError } from '../errors.js';
import { formatIssues } from './format-issues.js';
import { findJsonErrorOffset, lineAndColumn } from './json-location.js';
import { type Manifest, manifestSchema } from './manifest-schema.js';

/**
 * The bundled sample event's agent.json; works from `src` and from `dist`.
 *
 * @example
 * const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
 */
export const SAMPLE_MANIFEST_PATH = fileURLToPath(
  new URL('../../sample-event/agent.json', import.meta.url),
);

/** Manifests larger than this are refused before they are read. */
export const MAX_MANIFEST_BYTES = 10 * 1024 * 1024;

/** A validated manifest and where it came from; relative session files resolve against `dir`. */
export interface LoadedManifest {
  manifest: Manifest;
  /** Absolute path of the agent.json that was read. */
  path: string;
  /** Its directory. */
  dir: string;
}

export interface LoadManifestOptions {
  maxBytes?: number;
}

/**
 * Validates parsed agent.json content. Throws `EventKitError('INVALID_MANIFEST')` whose message
 * names the file and the field.
 *
 * @example
 * parseManifest({ sessions: [{ id: 's1', title: 'T', start: '13:00', end: '13:40', popularity: 2 }] });
 * // throws: agent.json: sessions[0].popularity must be between 0 and 1
 */
export function parseManifest(json: unknown, source = 'agent.json'): Manifest {
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    throw new EventKitError('INVALID_MANIFEST', formatIssues(source, result.error.issues, json), {
      cause: result.error,
    });
  }
  return result.data;
}

/**
 * Parses JSON text, reporting syntax errors as `<source>:<line>:<column>: invalid JSON (…)`.
 * Used for agent.json and the external sessions file.
 *
 * @example
 * parseJsonText('{\n  "sessions": [,]\n}', 'agent.json');
 * // throws INVALID_MANIFEST: agent.json:2:16: invalid JSON (…); fix the syntax and try again
 */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const offset = findJsonErrorOffset(body);
    const where =
      offset === undefined
        ? ''
        : (() => {
            const { line, column } = lineAndColumn(body, offset);
            return `:${line}:${column}`;
          })();
    throw new EventKitError(
      'INVALID_MANIFEST',
      `${source}${where}: invalid JSON (${reason}); fix the syntax and try again`,
      { cause: error },
    );
  }
}

/**
 * Reads a file of at most `maxBytes`, mapping a missing file to `MANIFEST_NOT_FOUND`.
 * A directory is read as `<dir>/agent.json`.
 */
async function readBoundedFile(
  file: string,
  label: string,
  maxBytes: number,
): Promise<{ file: string; text: string }> {
  let target = file;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
    if (info.isDirectory()) {
      target = path.join(target, 'agent.json');
      info = await stat(target);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new EventKitError(
        'MANIFEST_NOT_FOUND',
        `${label} not found: ${target}; check the path (EVENTKIT_MANIFEST or --manifest)`,
        { cause: error },
      );
    }
    throw new EventKitError(
      'INVALID_MANIFEST',
      `${label} ${target} cannot be read: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (!info.isFile()) {
    throw new EventKitError('INVALID_MANIFEST', `${label} ${target} is not a regular file`);
  }
  if (info.size > maxBytes) {
    throw new EventKitError(
      'INVALID_MANIFEST',
      `${label} ${target} is ${info.size} bytes, more than the limit of ${maxBytes}; split the sessions into an external sessions file or trim it`,
    );
  }
  try {
    return { file: target, text: await readFile(target, 'utf8') };
  } catch (error) {
    throw new EventKitError(
      'INVALID_MANIFEST',
      `${label} ${target} cannot be read: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

export { readBoundedFile };

/**
 * Reads and validates an agent.json (or a directory containing one).
 * Errors: `MANIFEST_NOT_FOUND` for a missing file, `INVALID_MANIFEST` for a file that is too big,
 * not JSON (with line and column), or fails validation (naming the field).
 *
 * @example
 * const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
 * console.log(loaded.manifest.sessions.length, loaded.dir);
 */
export async function loadManifest(
  manifestPath: string,
  { maxBytes = MAX_MANIFEST_BYTES }: LoadManifestOptions = {},
): Promise<LoadedManifest> {
  const absolute = path.resolve(manifestPath);
  const { file, text } = await readBoundedFile(absolute, 'Manifest', maxBytes);
  const source = file === absolute ? manifestPath : path.join(manifestPath, 'agent.json');
  const json = parseJsonText(text, source);
  const manifest = parseManifest(json, source);
  return { manifest, path: file, dir: path.dirname(file) };
}

/** Effective telemetry settings of a manifest. */
export interface TelemetrySettings {
  enabled: boolean;
  /** Absolute path; a relative `telemetry.file` resolves against the working directory (DESIGN.md). */
  file: string;
  /** Rotation threshold; 0 = never rotate. */
  maxSizeBytes: number;
  /** Archives the writer keeps: `telemetry.maxFiles` (20) and `telemetry.maxAgeDays` (30); 0 = that limit off. */
  retention: { maxFiles: number; maxAgeDays: number };
}

export const DEFAULT_TELEMETRY_MAX_SIZE_BYTES = 52_428_800;
/** Default `telemetry.maxFiles`: rotated archives kept (the writer's default too). */
export const DEFAULT_TELEMETRY_MAX_FILES = 20;
/** Default `telemetry.maxAgeDays`: archives older than this are deleted (the writer's default too). */
export const DEFAULT_TELEMETRY_MAX_AGE_DAYS = 30;

function manifestOf(input: LoadedManifest | Manifest): Manifest {
  return 'manifest' in input && 'dir' in input
    ? (input as LoadedManifest).manifest
    : (input as Manifest);
}

/** Default `features.export.maxFiles`: copies kept, enough for a day of distinct itineraries. */
const DEFAULT_EXPORT_MAX_FILES = 100;
/** Default `features.export.maxAgeDays`. */
const DEFAULT_EXPORT_MAX_AGE_DAYS = 7;

/** Effective `features.export` settings. */
export interface ExportSettings {
  enabled: boolean;
  /** Absolute; a relative `output_dir` resolves against the working directory, like telemetry. */
  outputDir: string;
  /** Copies kept: `features.export.maxFiles` (100) and `maxAgeDays` (7); 0 = that limit off. */
  retention: { maxFiles: number; maxAgeDays: number };
}

/** A manifest's effective settings, defaults applied and paths made absolute. */
export interface ManifestSettings {
  telemetry: TelemetrySettings;
  export: ExportSettings;
}

/**
 * The effective settings of a manifest: `telemetry` (or the older `features.telemetry`; the
 * top-level one wins) and `features.export`. Relative paths resolve against `cwd`.
 *
 * @example
 * const { telemetry } = manifestSettings(await loadManifest('agent.json'));
 * const writer = createTelemetryWriter(telemetry);
 */
export function manifestSettings(
  input: LoadedManifest | Manifest,
  cwd: string = process.cwd(),
): ManifestSettings {
  const manifest = manifestOf(input);
  const telemetry = manifest.telemetry ?? manifest.features.telemetry;
  const { export: exported } = manifest.features;
  return {
    telemetry: {
      enabled: telemetry?.enabled ?? true,
      file: path.resolve(cwd, telemetry?.file ?? 'telemetry.jsonl'),
      maxSizeBytes: telemetry?.maxSizeBytes ?? DEFAULT_TELEMETRY_MAX_SIZE_BYTES,
      retention: {
        maxFiles: telemetry?.maxFiles ?? DEFAULT_TELEMETRY_MAX_FILES,
        maxAgeDays: telemetry?.maxAgeDays ?? DEFAULT_TELEMETRY_MAX_AGE_DAYS,
      },
    },
    export: {
      enabled: exported.enabled,
      outputDir: path.resolve(cwd, exported.output_dir),
      retention: {
        maxFiles: exported.maxFiles ?? DEFAULT_EXPORT_MAX_FILES,
        maxAgeDays: exported.maxAgeDays ?? DEFAULT_EXPORT_MAX_AGE_DAYS,
      },
    },
  };
}
