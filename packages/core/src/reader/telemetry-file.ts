import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { EventKitError } from '../errors.js';
import { type LineFramer, READ_CHUNK_BYTES } from './line-framer.js';

/** A line the reader skipped, with where it was and why. */
export interface MalformedLine {
  file: string;
  /** 1-based line number in the (decompressed) file. */
  line: number;
  reason: string;
}

/** How many malformed lines are kept with their location; all of them are counted. */
export const FIRST_MALFORMED_KEPT = 5;

/** Reason for a bad last line that also had no newline: most likely cut off mid-write. */
export function truncatedReason(reason: string): string {
  return `truncated last line (no newline at end): ${reason}`;
}

export const TOO_LONG_REASON = 'line longer than 1 MiB';

export function unreadable(path: string, error: unknown): EventKitError {
  if (error instanceof EventKitError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'ENOENT'
      ? 'it disappeared while being read (rotated or deleted?) — run again'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied — run as a user that can read it'
        : `${(error as Error).message} — check the file`;
  return new EventKitError('UNREADABLE_INPUT', `${path}: cannot read: ${hint}.`, { cause: error });
}

/** True when the file starts with the gzip magic bytes (whatever its name). */
export async function isGzipFile(handle: FileHandle): Promise<boolean> {
  const magic = Buffer.alloc(2);
  const { bytesRead } = await handle.read(magic, 0, 2, 0);
  return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
}

export async function openTelemetryFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
}

/**
 * Feeds a whole file (plain or gzip) through `framer`, yielding after each chunk so a consumer
 * can hand out what the chunk produced. A corrupt or cut-off gzip archive stops that file, and
 * `onCorrupt` is told at which line; the lines before it still count.
 */
export async function* feedFile(
  path: string,
  framer: LineFramer,
  onCorrupt: (line: number, reason: string) => void,
  chunkBytes = READ_CHUNK_BYTES,
): AsyncGenerator<void> {
  const handle = await openTelemetryFile(path);
  try {
    if (await isGzipFile(handle)) {
      const stream = createReadStream(path, {
        fd: handle,
        autoClose: false,
        start: 0,
        highWaterMark: chunkBytes,
      }).pipe(createGunzip());
      try {
        for await (const chunk of stream) {
          framer.push(chunk as Buffer);
          yield;
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (typeof code === 'string' && code.startsWith('Z_')) {
          framer.end();
          onCorrupt(
            framer.lines + 1,
            `corrupt or truncated gzip data (${(error as Error).message})`,
          );
          return;
        }
        throw unreadable(path, error);
      }
    } else {
      let position = 0;
      for (;;) {
        const space = framer.space();
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(
            space,
            0,
            Math.min(space.length, chunkBytes),
            position,
          ));
        } catch (error) {
          throw unreadable(path, error);
        }
        if (bytesRead === 0) break;
        position += bytesRead;
        framer.commit(bytesRead);
        yield;
      }
    }
    framer.end();
    yield;
  } finally {
    await handle.close();
  }
}
