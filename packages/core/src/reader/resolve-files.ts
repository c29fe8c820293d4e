import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EventKitError } from '../errors.js';
import { listRotatedFiles } from '../rotation/rotated-files.js';
import type { TelemetryInput } from './telemetry-file.js';

export interface ResolveOptions {
  /** Read each file's rotated archives (oldest first) before it. Default true. */
  includeRotated?: boolean;
}

function missing(path: string): EventKitError {
  return new EventKitError(
    'UNREADABLE_INPUT',
    `${path}: no such file — check the path, or whether telemetry is enabled and where it is written ` +
      '(agent.json: telemetry.enabled, telemetry.file; a relative file is resolved against the working directory).',
  );
}

async function kindOf(path: string): Promise<'file' | 'missing' | 'other'> {
  try {
    const info = await stat(path);
    return info.isFile() ? 'file' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new EventKitError(
      'UNREADABLE_INPUT',
      `${path}: cannot read (${(error as Error).message}) — check its permissions.`,
      { cause: error },
    );
  }
}

/**
 * Expands the files to read: each given file is preceded by its rotated archives, oldest first
 * (our `<file>.<stamp>[.gz]` names and logrotate's), duplicates removed, order otherwise kept.
 * A live file that does not exist is fine when it has archives (just after a rotation); with
 * neither, this throws `EventKitError('UNREADABLE_INPUT')` naming the file and what to check.
 *
 * @example
 * const files = await resolveTelemetryFiles(['telemetry.jsonl']);
 * // ['telemetry.jsonl.20240314-120000-000.gz', 'telemetry.jsonl.20240315-080000-000', 'telemetry.jsonl']
 */
export async function resolveTelemetryFiles(
  paths: string[],
  { includeRotated = true }: ResolveOptions = {},
): Promise<string[]> {
  const seen = new Set<string>();
  const files: string[] = [];
  const add = (path: string): void => {
    const key = resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(path);
  };
  for (const path of paths) {
    const kind = await kindOf(path);
    if (kind === 'other') {
      throw new EventKitError(
        'UNREADABLE_INPUT',
        `${path}: not a regular file — pass a telemetry file (JSONL or .gz), not a directory.`,
      );
    }
    const archives = includeRotated ? await listRotatedFiles(path) : [];
    if (kind === 'missing' && archives.length === 0) throw missing(path);
    for (const archive of archives) add(archive);
    if (kind === 'file') add(path);
  }
  return files;
}

/**
 * resolveTelemetryFiles for inputs that may include streams: each stream stays where it was
 * given (it has no archives), the files around it are expanded.
 */
export async function resolveTelemetryInputs(
  inputs: readonly TelemetryInput[],
  options: ResolveOptions = {},
): Promise<TelemetryInput[]> {
  const resolved: TelemetryInput[] = [];
  let files: string[] = [];
  const flush = async (): Promise<void> => {
    if (files.length > 0) resolved.push(...(await resolveTelemetryFiles(files, options)));
    files = [];
  };
  for (const input of inputs) {
    if (typeof input === 'string') {
      files.push(input);
    } else {
      await flush();
      resolved.push(input);
    }
  }
  await flush();
  return resolved;
}
