import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { archiveSpellings } from '../rotation/rotated-files.js';

// Finding a file again after it was renamed, compressed or left behind by a restart.

/** How many leading bytes identify a file across renames, compression and restarts. */
export const FINGERPRINT_BYTES = 256;

/** What identifies a file that may since have been renamed or compressed. */
export interface Identity {
  dev: number;
  ino: number;
  fingerprint: Buffer;
  /** Bytes known to be in it (read so far): an archive of it is at least this big. */
  size?: number;
}

const isGzip = (path: string): boolean => path.endsWith('.gz');

export const isMissing = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

export async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** The first bytes of an open file, up to FINGERPRINT_BYTES. */
export async function headOf(handle: FileHandle, length = FINGERPRINT_BYTES): Promise<Buffer> {
  const head = Buffer.alloc(length);
  const { bytesRead } = await handle.read(head, 0, length, 0);
  return head.subarray(0, bytesRead);
}

/** The first `length` bytes of a file (decompressed for `.gz`), fewer if the file is shorter. */
export async function readHead(path: string, length = FINGERPRINT_BYTES): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  if (!isGzip(path)) {
    const handle = await open(path, 'r');
    try {
      return await headOf(handle, length);
    } finally {
      await handle.close();
    }
  }
  const parts: Buffer[] = [];
  let got = 0;
  const stream = createReadStream(path).pipe(createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      got += chunk.length;
      if (got >= length) break;
    }
  } catch {
    // A truncated or still-being-written archive: use what decompressed.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, length);
}

/** Uncompressed size: `stat` for plain files, the gzip trailer (ISIZE, mod 2^32) for `.gz`. */
async function contentSize(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (!isGzip(path)) return size;
    if (size < 18) return 0;
    const trailer = Buffer.alloc(4);
    await handle.read(trailer, 0, 4, size - 4);
    return trailer.readUInt32LE(0);
  } finally {
    await handle.close();
  }
}

/** Whether `head` starts with the (non-empty) fingerprint. */
export function matchesFingerprint(head: Buffer, fingerprint: Buffer): boolean {
  return (
    fingerprint.length > 0 &&
    head.length >= fingerprint.length &&
    head.subarray(0, fingerprint.length).equals(fingerprint)
  );
}

/** Streams a file's bytes from `offset` on (decompressed for `.gz`). */
export async function* readFrom(
  path: string,
  offset: number,
  chunkBytes: number,
): AsyncGenerator<Buffer> {
  if (!isGzip(path)) {
    yield* createReadStream(path, {
      start: offset,
      highWaterMark: chunkBytes,
    }) as AsyncIterable<Buffer>;
    return;
  }
  let skip = offset;
  const stream = createReadStream(path, { highWaterMark: chunkBytes }).pipe(
    createGunzip({ chunkSize: Math.min(chunkBytes, 1024 * 1024) }),
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}

async function isArchiveOf(path: string, left: Identity, minSize: number): Promise<boolean> {
  const { fingerprint } = left;
  for (const candidate of archiveSpellings(path)) {
    try {
      if (fingerprint.length === 0) {
        if (isGzip(candidate)) return false;
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

/** Whether archive `path` is the live file just opened (it may have been rotated since). */
export async function isLiveFile(
  path: string,
  live: Identity | undefined,
  liveHead: Buffer,
): Promise<boolean> {
  if (!live) return false;
  for (const candidate of archiveSpellings(path)) {
    try {
      if (!isGzip(candidate)) {
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
