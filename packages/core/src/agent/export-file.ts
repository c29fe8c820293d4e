import { createHash, randomUUID } from 'node:crypto';
import { link, lstat, mkdir, readdir, realpath, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EventKitError } from '../errors.js';
import {
  TELEMETRY_DISK_FULL,
  type TelemetryWritableCheckOptions,
  telemetryWritableCheck,
} from '../health/checks.js';

export type ExportFormat = 'markdown' | 'ics';

export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { markdown: 'md', ics: 'ics' };
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  ics: 'text/calendar; charset=utf-8',
};

export interface ExportFileNameOptions {
  format: ExportFormat;
  /** What the itinerary shows (see `renderItinerary`); only its hash is used. */
  key?: string;
}

/**
 * The names this module gives, and the only files retention ever removes: the content-hash
 * names, and the timestamped names of earlier versions, so an upgrade cleans those up too.
 */
export const EXPORT_FILE_PATTERN =
  /^itinerary-(?:[0-9a-f]{16}|\d{8}-\d{6}-\d{3}-[0-9a-f]{8}-[0-9a-z]{1,32})\.(?:md|ics)$/;

/**
 * A file name for an exported itinerary, derived from a hash of its content and format and never
 * from user input, so an identical itinerary always gets the same name: `itinerary-1a2b3c4d5e6f7a8b.md`.
 *
 * @example
 * const name = exportFileName({ format: 'ics', key: JSON.stringify(rec) });
 */
export function exportFileName({ format, key = '' }: ExportFileNameOptions): string {
  const extension = EXPORT_EXTENSIONS[format];
  if (!extension)
    throw new EventKitError('INVALID_INPUT', `unknown export format: ${String(format)}`);
  const hash = createHash('sha256').update(`${format}\0${key}`).digest('hex').slice(0, 16);
  return `itinerary-${hash}.${extension}`;
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

/** How many exports `saveExport` keeps: `features.export.maxFiles` and `maxAgeDays`; 0 = off. */
export interface ExportRetention {
  maxFiles: number;
  maxAgeDays: number;
}

/**
 * Writes an export into `outputDir` (created if missing) and returns its absolute path. The
 * directory is resolved through symlinks first and a new file is created exclusively (`wx`), so
 * a planted symlink is never followed. A regular file of that name already holds the same
 * itinerary (names come from the content): it is reused, and its time refreshed.
 *
 * @example
 * const file = await writeExportFile(outputDir, exportFileName({ format: 'markdown', key }), markdown);
 */
export async function writeExportFile(
  outputDir: string,
  name: string,
  content: string,
  now: () => Date = () => new Date(),
): Promise<string> {
  return (await writeOrReuse(outputDir, name, content, now)).file;
}

async function writeOrReuse(
  outputDir: string,
  name: string,
  content: string,
  now: () => Date,
): Promise<{ file: string; dir: string; reused: boolean }> {
  let temporary: string | undefined;
  try {
    await mkdir(outputDir, { recursive: true });
    const dir = await realpath(outputDir);
    const target = resolveInside(dir, name);
    await mkdir(path.dirname(target), { recursive: true });
    const at = now();
    // The copy appears under its name whole and already carrying its time (retention orders
    // copies by it): written aside, then linked into place, which fails if the name exists.
    temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
    await writeFile(temporary, content, { flag: 'wx', mode: 0o644 });
    await utimes(temporary, at, at);
    try {
      await link(temporary, target);
      return { file: target, dir, reused: false };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!(await lstat(target)).isFile()) throw error;
      await utimes(target, at, at);
      return { file: target, dir, reused: true };
    }
  } catch (error) {
    if (error instanceof EventKitError) throw error;
    throw new EventKitError(
      'WRITE_FAILED',
      `cannot write export ${name} to ${outputDir}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    if (temporary) await unlink(temporary).catch(() => {});
  }
}

export interface SaveExportOptions {
  /** Applied after each write; without it nothing is removed. */
  retention?: ExportRetention;
  now?: () => Date;
  /** Injectable for tests: statfs(2), as the telemetry health check takes it. */
  statfs?: TelemetryWritableCheckOptions['statfs'];
}

export type SavedExport =
  | { saved: true; file: string; reused: boolean; removed: readonly string[] }
  | { saved: false; reason: string };

/**
 * Saves a copy of an export unless its disk is low, then applies `retention`. "Low" is the
 * telemetry health check's definition (one definition: telemetry needs that space more than a
 * copy of an itinerary does). Retention removes, inside `outputDir` only and only files named by
 * `exportFileName` (`EXPORT_FILE_PATTERN`; never symlinks or subdirectories), the oldest beyond
 * `maxFiles` and those older than `maxAgeDays`.
 *
 * @example
 * const copy = await saveExport('exports', fileName, body, { retention: { maxFiles: 100, maxAgeDays: 7 } });
 * if (!copy.saved) logger.warning(`Export copy not written: ${copy.reason}`);
 */
export async function saveExport(
  outputDir: string,
  name: string,
  content: string,
  { retention, now = () => new Date(), statfs }: SaveExportOptions = {},
): Promise<SavedExport> {
  const disk = await telemetryWritableCheck(
    path.join(outputDir, name),
    statfs ? { statfs } : {},
  ).run();
  if (disk === TELEMETRY_DISK_FULL) {
    return {
      saved: false,
      reason: `the disk holding ${outputDir} is low on space (below what /health reports as "${TELEMETRY_DISK_FULL}")`,
    };
  }
  const { file, dir, reused } = await writeOrReuse(outputDir, name, content, now);
  const removed = retention ? await pruneExports(dir, retention, now()) : [];
  return { saved: true, file, reused, removed };
}

const DAY_MS = 86_400_000;

/** Removes the agent's own export files beyond the retention limits; returns their names. */
async function pruneExports(
  dir: string,
  { maxFiles, maxAgeDays }: ExportRetention,
  now: Date,
): Promise<string[]> {
  if (maxFiles <= 0 && maxAgeDays <= 0) return [];
  const own: { name: string; mtimeMs: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !EXPORT_FILE_PATTERN.test(entry.name)) continue;
    const info = await lstat(path.join(dir, entry.name)).catch(() => undefined);
    if (info?.isFile()) own.push({ name: entry.name, mtimeMs: info.mtimeMs });
  }
  own.sort((a, b) => b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name));
  const oldest = maxAgeDays > 0 ? now.getTime() - maxAgeDays * DAY_MS : -Infinity;
  const removed: string[] = [];
  for (const [index, { name, mtimeMs }] of own.entries()) {
    const file = path.join(dir, name);
    if ((maxFiles > 0 && index >= maxFiles) || mtimeMs < oldest) {
      // Another request may have removed it first: that is the same outcome.
      await unlink(file).then(
        () => removed.push(name),
        () => {},
      );
    }
  }
  return removed;
}
