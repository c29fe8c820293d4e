import { chmod, open, rename, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipFile, removeStaleGzipTemporaries } from './gzip-file.js';
import { applyRetention } from './retention.js';
import { listRotatedFiles, nextRotatedFileName } from './rotated-files.js';

export interface RotateFileOptions {
  /** Rotate when the file is larger than this (as the seed's `[ $SIZE -gt $MAX_SIZE ]`). */
  maxSizeBytes: number;
  /** Delete archives last modified more than this many days ago. Default 30. */
  keepDays?: number;
  /** Gzip uncompressed archives (default true). */
  compress?: boolean;
  now?: () => Date;
  /**
   * How long to let a writer that still holds the old file open finish its last append before
   * the fresh archive is compressed. Default 200 ms.
   */
  settleMs?: number;
}

export interface RotateFileResult {
  /** Where the live file went, when it was rotated. */
  rotatedTo?: string;
  /** Archives written (`.gz`). */
  compressed: string[];
  /** Archives deleted by age. */
  deleted: string[];
}

/**
 * The seed's `rotate_logs.sh` for any log or telemetry file: when `file` is larger than
 * `maxSizeBytes` it is renamed (never copied, so a process appending to it loses nothing) to a
 * stamped archive name and an empty live file with the same mode takes its place; uncompressed
 * archives are gzipped; archives older than `keepDays` are deleted. A missing file is not an error.
 *
 * @example
 * const { rotatedTo, compressed, deleted } = await rotateFile('telemetry.jsonl', {
 *   maxSizeBytes: 100 * 1024 * 1024,
 *   keepDays: 30,
 * });
 */
export async function rotateFile(
  file: string,
  {
    maxSizeBytes,
    keepDays = 30,
    compress = true,
    now = () => new Date(),
    settleMs = 200,
  }: RotateFileOptions,
): Promise<RotateFileResult> {
  const result: RotateFileResult = { compressed: [], deleted: [] };
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info && info.size > maxSizeBytes) {
    const target = await nextRotatedFileName(file, now());
    await rename(file, target);
    result.rotatedTo = target;
    await recreate(file, info.mode & 0o7777);
  }
  if (compress) {
    await removeStaleGzipTemporaries(file);
    for (const archive of await listRotatedFiles(file)) {
      if (archive.endsWith('.gz')) continue;
      if (archive === result.rotatedTo && settleMs > 0) await sleep(settleMs);
      result.compressed.push(await gzipFile(archive));
    }
  }
  result.deleted = await applyRetention(file, { maxFiles: 0, maxAgeDays: keepDays, now });
  return result;
}

/** `touch` for the live file, unless a writer already re-created it. */
async function recreate(file: string, mode: number): Promise<void> {
  try {
    const handle = await open(file, 'wx', mode);
    await handle.close();
    await chmod(file, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
