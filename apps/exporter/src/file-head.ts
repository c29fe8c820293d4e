import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

/** How many leading bytes identify a file across renames, compression and restarts. */
export const FINGERPRINT_BYTES = 256;

export const isGzip = (path: string): boolean => path.endsWith('.gz');

/** The first `length` bytes of a file (decompressed for `.gz`), fewer if the file is shorter. */
export async function readHead(path: string, length = FINGERPRINT_BYTES): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  if (!isGzip(path)) {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
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
export async function contentSize(path: string): Promise<number> {
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
export async function* readFrom(path: string, offset: number, chunkBytes: number) {
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
