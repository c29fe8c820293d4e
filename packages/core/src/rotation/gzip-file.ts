import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

const TEMPORARY_SUFFIX = '.tmp';
const TEMPORARY = /\.gz\.(\d+)-[0-9a-f]{8}\.tmp$/;

export interface GzipFileOptions {
  /** Remove the original once the archive is complete (default true). */
  removeOriginal?: boolean;
}

/**
 * Compresses `path` to `path.gz`, streaming (constant memory), atomically: the archive is written
 * to a temporary name and renamed into place when complete, and the original is removed only
 * after that. The archive keeps the original's modification time, as gzip(1) does, so age-based
 * retention still sees when the data was last written. If the original grew while it was being
 * compressed (a late append from a writer that had not yet noticed a rotation), it is compressed
 * again, so no line is lost.
 *
 * @example
 * const archive = await gzipFile('telemetry.jsonl.20240315-083000-123');
 * // archive === 'telemetry.jsonl.20240315-083000-123.gz'
 */
export async function gzipFile(
  path: string,
  { removeOriginal = true }: GzipFileOptions = {},
): Promise<string> {
  const target = `${path}.gz`;
  for (let attempt = 0; ; attempt++) {
    const before = await stat(path);
    // A unique temporary name, so two rotations racing on the same archive never interleave.
    const temporary = `${target}.${process.pid}-${randomBytes(4).toString('hex')}${TEMPORARY_SUFFIX}`;
    try {
      await pipeline(
        before.size > 0
          ? createReadStream(path, { start: 0, end: before.size - 1 })
          : Readable.from([]),
        createGzip(),
        createWriteStream(temporary, { flags: 'wx' }),
      );
      await utimes(temporary, before.atime, before.mtime);
      const after = await stat(path);
      if (after.size !== before.size && attempt < 5) {
        await unlink(temporary);
        continue;
      }
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    if (removeOriginal) {
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        // Someone else (a concurrent rotation) finished the same archive first.
        if (error.code !== 'ENOENT') throw error;
      });
    }
    return target;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the half-written `<archive>.gz.<pid>-<id>.tmp` files of `file`'s archives that a
 * process which no longer runs left behind (it was killed mid-compression). Returns them.
 *
 * @example
 * await removeStaleGzipTemporaries('telemetry.jsonl');
 */
export async function removeStaleGzipTemporaries(file: string): Promise<string[]> {
  const dir = dirname(file);
  const prefix = `${basename(file)}.`;
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = name.startsWith(prefix) ? TEMPORARY.exec(name) : null;
    if (!match || isAlive(Number(match[1]))) continue;
    await unlink(join(dir, name)).then(
      () => removed.push(join(dir, name)),
      () => undefined,
    );
  }
  return removed;
}
