import { stat, unlink } from 'node:fs/promises';
import { listRotatedFiles } from './rotated-files.js';

export interface RetentionOptions {
  /** Keep at most this many archives (the newest); 0 or Infinity keeps any number. Default 20. */
  maxFiles?: number;
  /** Delete archives last modified more than this many days ago; 0 or Infinity keeps any age. Default 30. */
  maxAgeDays?: number;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/**
 * Deletes the archives of `file` (never the live file) that are beyond `maxFiles` (oldest first)
 * or older than `maxAgeDays` by modification time, as the seed's `find -mtime +30 -delete` does.
 * An archive and its half-finished `.gz` twin count as one. Returns the deleted paths.
 *
 * @example
 * const deleted = await applyRetention('telemetry.jsonl', { maxFiles: 20, maxAgeDays: 30 });
 */
export async function applyRetention(
  file: string,
  { maxFiles = 20, maxAgeDays = 30, now = () => new Date() }: RetentionOptions = {},
): Promise<string[]> {
  // One entry per archive: a half-compressed `X` + `X.gz` pair is listed as `X`.
  const archives = await listRotatedFiles(file);
  const doomed = new Set<string>();
  if (maxFiles > 0 && Number.isFinite(maxFiles) && archives.length > maxFiles) {
    for (const path of archives.slice(0, archives.length - maxFiles)) doomed.add(path);
  }
  const deleted: string[] = [];
  const cutoff =
    maxAgeDays > 0 && Number.isFinite(maxAgeDays) ? now().getTime() - maxAgeDays * DAY_MS : null;
  for (const path of archives) {
    let remove = doomed.has(path);
    if (!remove && cutoff !== null) {
      const info = await stat(path).catch(() => undefined);
      remove = info !== undefined && info.mtimeMs < cutoff;
    }
    if (!remove) continue;
    const twins = path.endsWith('.gz') ? [path] : [path, `${path}.gz`];
    for (const twin of twins) {
      try {
        await unlink(twin);
        deleted.push(twin);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  return deleted;
}
