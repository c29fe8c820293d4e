import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { EventKitError } from '../errors.js';
import { type LineFramer, READ_CHUNK_BYTES } from './line-framer.js';

/**
 * Telemetry bytes that are not a named file, such as standard input: read once, front to back,
 * plain or gzip (told by its first bytes). `name` stands for it in messages (`<stdin>:12`).
 */
export interface TelemetrySource {
  name: string;
  stream: AsyncIterable<Uint8Array>;
}

/** A telemetry file's path, or a stream of telemetry bytes. */
export type TelemetryInput = string | TelemetrySource;

/** How messages name an input: its path, or its source's name. */
export function inputName(input: TelemetryInput): string {
  return typeof input === 'string' ? input : input.name;
}

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
  return isGzipMagic(magic.subarray(0, bytesRead));
}

export async function openTelemetryFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
}

function isGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/**
 * A gunzip error ends the input as a cut-off archive: the lines before it count, and `onCorrupt`
 * says where it stopped. Anything else is an unreadable input.
 */
function endCorrupt(
  name: string,
  error: unknown,
  framer: LineFramer,
  onCorrupt: (line: number, reason: string) => void,
): void {
  const code = (error as NodeJS.ErrnoException).code;
  if (!(typeof code === 'string' && code.startsWith('Z_'))) throw unreadable(name, error);
  framer.end();
  onCorrupt(framer.lines + 1, `corrupt or truncated gzip data (${(error as Error).message})`);
}

/**
 * Feeds a whole input (a file or a stream, plain or gzip) through `framer`, yielding after each
 * chunk so a consumer can hand out what the chunk produced before the next is read: a stream is
 * never held whole. A corrupt or cut-off gzip archive stops that input, and `onCorrupt` is told
 * at which line; the lines before it still count.
 */
export async function* feedFile(
  input: TelemetryInput,
  framer: LineFramer,
  onCorrupt: (line: number, reason: string) => void,
  chunkBytes = READ_CHUNK_BYTES,
): AsyncGenerator<void> {
  if (typeof input !== 'string') {
    yield* feedStream(input, framer, onCorrupt);
    return;
  }
  const path = input;
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
        endCorrupt(path, error, framer, onCorrupt);
        return;
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

/** feedFile for a stream: its first two bytes tell gzip from plain, as a file's do. */
async function* feedStream(
  source: TelemetrySource,
  framer: LineFramer,
  onCorrupt: (line: number, reason: string) => void,
): AsyncGenerator<void> {
  const iterator = source.stream[Symbol.asyncIterator]();
  try {
    let head = Buffer.alloc(0);
    let ended = false;
    while (head.length < 2 && !ended) {
      const next = await iterator.next().catch((error: unknown) => {
        throw unreadable(source.name, error);
      });
      if (next.done) ended = true;
      else head = Buffer.concat([head, asBuffer(next.value)]);
    }
    async function* bytes(): AsyncGenerator<Buffer> {
      if (head.length > 0) yield head;
      while (!ended) {
        const next = await iterator.next();
        if (next.done) return;
        yield asBuffer(next.value);
      }
    }
    if (isGzipMagic(head)) {
      const gunzip = createGunzip();
      const compressed = Readable.from(bytes());
      compressed.on('error', (error) => gunzip.destroy(error));
      try {
        for await (const chunk of compressed.pipe(gunzip)) {
          framer.push(chunk as Buffer);
          yield;
        }
      } catch (error) {
        endCorrupt(source.name, error, framer, onCorrupt);
        return;
      }
    } else {
      try {
        for await (const chunk of bytes()) {
          framer.push(chunk);
          yield;
        }
      } catch (error) {
        throw unreadable(source.name, error);
      }
    }
    framer.end();
    yield;
  } finally {
    // A reader that stops early (query --limit) lets go of the stream.
    await iterator.return?.().catch(() => undefined);
  }
}
