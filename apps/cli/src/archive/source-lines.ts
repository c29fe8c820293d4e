import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import {
  createLineDecoder,
  EventKitError,
  type MalformedLine,
  type TelemetryEvent,
} from '@eventkit/core/telemetry';

/**
 * How much of a file's (decompressed) start identifies it. Telemetry lines open with a
 * timestamp, so two files that share their first 4 KiB hold the same events: the live file, the
 * same file once rotated, and its `.gz` archive are one source.
 */
export const FINGERPRINT_BYTES = 4096;

/** The reader's limit: a longer line is malformed (as `summarize` counts it). */
const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export interface SourceHead {
  gzip: boolean;
  /** The first FINGERPRINT_BYTES of the decompressed content (fewer for a short file). */
  head: Buffer;
}

/** The content's first bytes, decompressed: enough to recognise a source already archived. */
export async function readSourceHead(file: string): Promise<SourceHead> {
  const gzip = await isGzip(file);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of contentStream(file, gzip, 0)) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= FINGERPRINT_BYTES) break;
    }
  } catch (error) {
    // A cut-off archive still has a head; scanSource reports where it ends.
    const code = (error as NodeJS.ErrnoException).code;
    if (!(typeof code === 'string' && code.startsWith('Z_'))) throw unreadable(file, error);
  }
  return { gzip, head: Buffer.concat(chunks).subarray(0, FINGERPRINT_BYTES) };
}

export function fingerprint(head: Buffer, bytes: number): string {
  return createHash('sha256').update(head.subarray(0, bytes)).digest('hex');
}

export interface ScanOptions {
  gzip: boolean;
  /** Decompressed bytes already archived (always the end of a line). */
  skipBytes: number;
  /** Lines in those bytes, so that malformed lines keep their line numbers. */
  skipLines: number;
  /**
   * Read an unterminated last line too. Off for a plain file being archived: a writer may be
   * in the middle of that line, which the next run then reads whole.
   */
  includeUnterminated: boolean;
  onEvent(event: TelemetryEvent): void | Promise<void>;
  onMalformed(malformed: MalformedLine): void;
}

export interface ScanResult {
  /** Decompressed bytes read up to the end of the last line taken. */
  endBytes: number;
  lines: number;
  rows: number;
  malformed: number;
  /** A gzip archive that ends early: cut off, or still being compressed. */
  corrupt: boolean;
}

/**
 * Reads a telemetry file's lines after `skipBytes` with core's line decoder (the one definition
 * of a valid line, as `summarize` uses it): each valid event goes to `onEvent`, each malformed
 * line is counted and reported, never handed out.
 */
export async function scanSource(file: string, options: ScanOptions): Promise<ScanResult> {
  const decoder = createLineDecoder();
  const result: ScanResult = {
    endBytes: options.skipBytes,
    lines: options.skipLines,
    rows: 0,
    malformed: 0,
    corrupt: false,
  };
  const malformed = (reason: string) => {
    result.malformed++;
    options.onMalformed({ file, line: result.lines, reason });
  };
  let carry: Buffer = Buffer.alloc(0);
  let tooLong = false;
  const take = async (buf: Buffer, start: number, end: number, terminated: boolean) => {
    result.lines++;
    if (tooLong || end - start > MAX_LINE_BYTES) {
      malformed('line longer than 1 MiB');
    } else if (!decoder.decode(buf, start, end)) {
      malformed(
        terminated ? decoder.reason : `truncated last line (no newline at end): ${decoder.reason}`,
      );
    } else {
      result.rows++;
      await options.onEvent(decoder.event());
    }
    tooLong = false;
  };
  let position = options.skipBytes;
  try {
    for await (const chunk of contentStream(file, options.gzip, options.skipBytes)) {
      const buf: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : chunk;
      let start = 0;
      for (;;) {
        const newline = buf.indexOf(NEWLINE, start);
        if (newline < 0) break;
        await take(buf, start, newline, true);
        result.endBytes = position + (newline + 1 - carry.length);
        start = newline + 1;
      }
      position += (chunk as Buffer).length;
      carry = buf.subarray(start);
      if (carry.length > MAX_LINE_BYTES) {
        tooLong = true;
        carry = Buffer.alloc(0);
      }
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      // Its lines so far count, as `summarize` counts them; the line cut off is read again,
      // whole, if a later run finds the archive complete (logrotate may still be writing it).
      result.corrupt = true;
      result.malformed++;
      options.onMalformed({
        file,
        line: result.lines + 1,
        reason: `corrupt or truncated gzip data (${(error as Error).message})`,
      });
      return result;
    }
    throw unreadable(file, error);
  }
  if (options.includeUnterminated && (carry.length > 0 || tooLong)) {
    await take(carry, 0, carry.length, false);
    result.endBytes = position;
  }
  return result;
}

async function isGzip(file: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The decompressed content from `skip` bytes on (a gzip stream is inflated and dropped up to it). */
async function* contentStream(file: string, gzip: boolean, skip: number): AsyncGenerator<Buffer> {
  if (!gzip) {
    yield* createReadStream(file, { start: skip, highWaterMark: 1024 * 1024 });
    return;
  }
  let seen = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(
    createGunzip(),
  )) {
    const buf = chunk as Buffer;
    const from = Math.max(0, skip - seen);
    seen += buf.length;
    if (from < buf.length) yield from === 0 ? buf : buf.subarray(from);
  }
}

function unreadable(file: string, error: unknown): EventKitError {
  if (error instanceof EventKitError) return error;
  return new EventKitError(
    'UNREADABLE_INPUT',
    `${file}: cannot read: ${(error as Error).message} (check the path and its permissions)`,
    { cause: error },
  );
}
