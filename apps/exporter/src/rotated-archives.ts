import type { FileHandle } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import { listRotatedFiles } from '@eventkit/core/telemetry';
import { contentSize, FINGERPRINT_BYTES, matchesFingerprint, readHead } from './file-head.js';

// Finding a file again after it was renamed, compressed or left behind by a restart.

/** What identifies a file that may since have been renamed or compressed. */
export interface Identity {
  dev: number;
  ino: number;
  fingerprint: Buffer;
  /** Bytes known to be in it (read so far): an archive of it is at least this big. */
  size?: number;
}

/**
 * Archives oldest first. While an archive is being compressed both `x` and `x.gz` exist: the plain
 * one is complete and authoritative (reading falls back to `x.gz` if it goes away).
 */
export async function listArchives(file: string): Promise<string[]> {
  const archives = await listRotatedFiles(file);
  const names = new Set(archives);
  return archives.filter((path) => !(path.endsWith('.gz') && names.has(path.slice(0, -3))));
}

export const isMissing = (error: unknown) =>
  (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

export async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** `x` and, once it may have been compressed and removed meanwhile, `x.gz`. */
const candidatesOf = (path: string) => (path.endsWith('.gz') ? [path] : [path, `${path}.gz`]);

async function isArchiveOf(path: string, left: Identity, minSize: number): Promise<boolean> {
  const { fingerprint } = left;
  for (const candidate of candidatesOf(path)) {
    try {
      if (fingerprint.length === 0) {
        if (candidate.endsWith('.gz')) return false;
        const info = await stat(candidate);
        return info.dev === left.dev && info.ino === left.ino;
      }
      // The size tells apart files that start alike (no trace ids, same second).
      if ((await contentSize(candidate)) < (left.size ?? minSize)) return false;
      return matchesFingerprint(await readHead(candidate, fingerprint.length), fingerprint);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  return false;
}

/**
 * Index of the newest archive that is the file `left`, found by its fingerprint and size (by its
 * inode only when it was still empty: inodes are reused once a rotated file is compressed and
 * removed), or -1.
 */
export async function findArchive(
  archives: string[],
  left: Identity,
  minSize = 0,
): Promise<number> {
  for (let i = archives.length - 1; i >= 0; i--) {
    if (await isArchiveOf(archives[i] as string, left, minSize)) return i;
  }
  return -1;
}

export async function headOf(handle: FileHandle): Promise<Buffer> {
  const head = Buffer.alloc(FINGERPRINT_BYTES);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  return head.subarray(0, bytesRead);
}

/** Whether archive `path` is the live file we just opened (it may have been rotated since). */
export async function isLiveFile(
  path: string,
  live: Identity | undefined,
  liveHead: Buffer,
): Promise<boolean> {
  if (!live) return false;
  for (const candidate of candidatesOf(path)) {
    try {
      if (!candidate.endsWith('.gz')) {
        const info = await stat(candidate);
        return info.dev === live.dev && info.ino === live.ino;
      }
      return matchesFingerprint(await readHead(candidate, liveHead.length), liveHead);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  return false;
}
