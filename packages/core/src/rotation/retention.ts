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

function archiveKey(path: string): string {
  return path.endsWith('.gz') ? path.slice(0, -3) : path;
}

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
  const archives = await listRotatedFiles(file);
  const keys = [...new Set(archives.map(archiveKey))];
  const doomed = new Set<string>();
  if (maxFiles > 0 && Number.isFinite(maxFiles) && keys.length > maxFiles) {
    for (const key of keys.slice(0, keys.length - maxFiles)) doomed.add(key);
  }
  const deleted: string[] = [];
  const cutoff =
    maxAgeDays > 0 && Number.isFinite(maxAgeDays) ? now().getTime() - maxAgeDays * DAY_MS : null;
  for (const path of archives) {
    let remove = doomed.has(archiveKey(path));
    if (!remove && cutoff !== null) {
      const info = await stat(path).catch(() => undefined);
      remove = info !== undefined && info.mtimeMs < cutoff;
    }
    if (!remove) continue;
    try {
      await unlink(path);
      deleted.push(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return deleted;
}
