import { createHash, randomBytes } from 'node:crypto';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EventKitError } from '../errors.js';

export type ExportFormat = 'markdown' | 'ics';

export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { markdown: 'md', ics: 'ics' };
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  ics: 'text/calendar; charset=utf-8',
};

export interface ExportFileNameOptions {
  format: ExportFormat;
  /** Anything identifying the request (e.g. the normalised interests); only its hash is used. */
  key?: string;
  now?: Date;
  /** Random suffix, so two exports in the same millisecond never collide. */
  nonce?: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * A file name for an exported itinerary, built only from a UTC timestamp, a hash and a random
 * nonce, never from user input: `itinerary-20260501-083000-123-1a2b3c4d-9f8e7d.md`.
 *
 * @example
 * const name = exportFileName({ format: 'ics', key: interests.join(',') });
 */
export function exportFileName({
  format,
  key = '',
  now = new Date(),
  nonce = randomBytes(3).toString('hex'),
}: ExportFileNameOptions): string {
  const extension = EXPORT_EXTENSIONS[format];
  if (!extension)
    throw new EventKitError('INVALID_INPUT', `unknown export format: ${String(format)}`);
  if (!/^[0-9a-z]{1,32}$/i.test(nonce)) {
    throw new EventKitError('INVALID_INPUT', 'export nonce must be 1-32 letters or digits');
  }
  const stamp =
    `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-` +
    `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}-` +
    pad(now.getUTCMilliseconds(), 3);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return `itinerary-${stamp}-${hash}-${nonce.toLowerCase()}.${extension}`;
}

/**
 * `path.resolve(dir, name)`, but only if the result lies strictly inside `dir`; otherwise throws
 * `EventKitError('INVALID_INPUT')`. Rejects absolute names, `..` segments that climb out, NUL
 * bytes and names that resolve to `dir` itself.
 *
 * @example
 * resolveInside('/srv/exports', 'a.md'); // '/srv/exports/a.md'
 * resolveInside('/srv/exports', '../etc/passwd'); // throws
 */
export function resolveInside(dir: string, name: string): string {
  const refuse = (why: string) =>
    new EventKitError('INVALID_INPUT', `refusing export file name ${JSON.stringify(name)}: ${why}`);
  if (typeof name !== 'string' || name === '') throw refuse('it is empty');
  if (name.includes('\0')) throw refuse('it contains a NUL byte');
  if (path.isAbsolute(name) || path.win32.isAbsolute(name)) throw refuse('it is an absolute path');
  const root = path.resolve(dir);
  const target = path.resolve(root, name);
  const relative = path.relative(root, target);
  if (
    relative === '' ||
    relative === '..' ||
    relative.startsWith(`..${path.sep}`) ||
    path.isAbsolute(relative)
  ) {
    throw refuse(`it leaves the output directory ${root}`);
  }
  return target;
}

/**
 * Writes an export into `outputDir` (created if missing) and returns its absolute path.
 * The directory is resolved through symlinks first, and the file is created exclusively
 * (`wx`), so an existing file or a planted symlink is never overwritten or followed.
 *
 * @example
 * const file = await writeExportFile(outputDir, exportFileName({ format: 'markdown' }), markdown);
 */
export async function writeExportFile(
  outputDir: string,
  name: string,
  content: string,
): Promise<string> {
  try {
    await mkdir(outputDir, { recursive: true });
    const root = await realpath(outputDir);
    const target = resolveInside(root, name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content, { flag: 'wx', mode: 0o644 });
    return target;
  } catch (error) {
    if (error instanceof EventKitError) throw error;
    throw new EventKitError(
      'WRITE_FAILED',
      `cannot write export ${name} to ${outputDir}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
