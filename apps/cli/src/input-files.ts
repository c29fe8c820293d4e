import path from 'node:path';
import {
  EventKitError,
  loadManifest,
  resolveTelemetryFiles,
  telemetrySettings,
} from '@eventkit/core';
import { glob, isDynamicPattern } from 'tinyglobby';

export const DEFAULT_TELEMETRY_FILE = 'telemetry.jsonl';

export interface InputOptions {
  /** `--manifest` or EVENTKIT_MANIFEST: its telemetry file is the default input. */
  manifest?: string | undefined;
  /** `--no-rotated` turns this off. */
  rotated?: boolean;
}

/**
 * The telemetry file the agent writes: the manifest's `telemetry.file` when a manifest is named
 * (resolved against the working directory, as the agent does), else ./telemetry.jsonl.
 */
export async function defaultTelemetryFile(
  cwd: string,
  manifest: string | undefined,
): Promise<string> {
  if (manifest === undefined || manifest === '') return path.resolve(cwd, DEFAULT_TELEMETRY_FILE);
  const loaded = await loadManifest(path.resolve(cwd, manifest));
  return telemetrySettings(loaded, cwd).file;
}

/**
 * The command-line FILES arguments (files and globs) as the files to read: rotated siblings and
 * `.gz` archives first (oldest first) unless `rotated` is false, each file once.
 */
export async function resolveInputs(
  args: readonly string[],
  cwd: string,
  options: InputOptions = {},
): Promise<string[]> {
  const includeRotated = options.rotated ?? true;
  const named = args.length > 0 ? args : [await defaultTelemetryFile(cwd, options.manifest)];
  const paths: string[] = [];
  for (const arg of named) {
    if (isDynamicPattern(arg)) {
      const matches = await glob(arg, { cwd, absolute: true, onlyFiles: true, dot: true });
      if (matches.length === 0) {
        throw new EventKitError(
          'UNREADABLE_INPUT',
          `${arg}: no file matches this pattern; check the path (quote globs so the shell does not expand them)`,
        );
      }
      paths.push(...matches.sort());
    } else {
      paths.push(path.resolve(cwd, arg));
    }
  }
  const files = await resolveTelemetryFiles(paths, { includeRotated });
  return [...new Set(files)];
}

/** A short label for messages: the path relative to cwd when it is inside it. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
    ? relative
    : file;
}
