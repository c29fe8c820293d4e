import { constants, fstatSync, openSync } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EventKitError } from '../errors.js';
import { gzipFile, removeStaleGzipTemporaries } from '../rotation/gzip-file.js';
import { applyRetention } from '../rotation/retention.js';
import { listRotatedFiles, nextRotatedFileName } from '../rotation/rotated-files.js';
import type { TelemetryEventInput } from './event.js';
import { formatTelemetryLine, validateTelemetryEvent } from './event.js';
import {
  closeAsync,
  ensureDir,
  ensureDirSync,
  fstatAsync,
  ftruncateAsync,
  openAsync,
  writeAllSync,
  writeAsync,
} from './telemetry-writer-fs.js';

// Not O_APPEND: every write goes to an explicit offset, so the exit path can re-issue an
// in-flight write idempotently (same bytes, same place) instead of guessing whether it landed.
const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT;
const STAMPED_ARCHIVE = /\.\d{8}-\d{6}-\d{3}(?:-\d+)?$/;

export interface TelemetryRetention {
  /** Archives to keep (newest); 0 keeps any number. Default 20. */
  maxFiles?: number;
  /** Delete archives older than this many days; 0 keeps any age. Default 30. */
  maxAgeDays?: number;
}

export interface TelemetryWriterOptions {
  /** The live JSONL file; a relative path is resolved against the working directory. */
  file: string;
  /** When false the writer accepts events and writes nothing (no file is created). Default true. */
  enabled?: boolean;
  /** Rotate before a line would take the live file past this size; 0 never rotates. Default 50 MiB. */
  maxSizeBytes?: number;
  retention?: TelemetryRetention;
  /** Gzip rotated files in the background. Default true. */
  compress?: boolean;
  /** Longest time an event waits in memory before it is written. Default 50 ms. */
  flushIntervalMs?: number;
  /** Buffered bytes that trigger a write right away. Default 256 KiB. */
  maxBufferBytes?: number;
  /**
   * Bytes allowed to wait in memory while the disk is slow or failing; events beyond it are
   * dropped (and counted) rather than letting memory grow without bound. Default 64 MiB.
   */
  maxPendingBytes?: number;
  /** Called with an `EventKitError` for every write, rotation, compression or input problem. */
  onError?: (error: unknown) => void;
  now?: () => Date;
}

export interface TelemetryWriterStats {
  /** Lines on disk. */
  written: number;
  /** Events that will never be written: invalid, failed write, buffer overflow, after close(). */
  dropped: number;
  /** Problems reported through `onError`. */
  errors: number;
  /** Rotations of the live file. */
  rotations: number;
}

export interface TelemetryWriter {
  /** The resolved path of the live file. */
  readonly file: string;
  /** Live counters. */
  readonly stats: Readonly<TelemetryWriterStats>;
  /** Queues one event. Never throws, never waits on disk. */
  write(event: TelemetryEventInput): void;
  /** Resolves once every event written before the call is on disk (or counted as dropped). */
  flush(): Promise<void>;
  /** Flushes, finishes background compression and retention, and releases the file. */
  close(): Promise<void>;
}

/**
 * Lines waiting for the disk, encoded as they arrive (no string is kept, nothing is joined):
 * bytes [0, used) of `bytes`, line i ending at `ends[i]`.
 */
interface LineBuffer {
  bytes: Buffer;
  used: number;
  ends: number[];
}

function newLineBuffer(capacity: number): LineBuffer {
  return { bytes: Buffer.allocUnsafe(capacity), used: 0, ends: [] };
}

/** Where line i starts. */
function lineStart(lines: LineBuffer, i: number): number {
  return i === 0 ? 0 : (lines.ends[i - 1] as number);
}

interface ActiveBatch {
  lines: LineBuffer;
  /** The first line not yet confirmed on disk. */
  next: number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function defaultOnError(error: unknown): void {
  process.stderr.write(`eventkit telemetry: ${messageOf(error)}\n`);
}

/**
 * Creates the telemetry writer: one JSON line per event, appended in batches from memory so a
 * request never waits on disk. Lines are written every `flushIntervalMs`, as soon as
 * `maxBufferBytes` are waiting, on `flush()`/`close()`, and — synchronously — when the process
 * exits. The live file is rotated before a line would take it past `maxSizeBytes` (a line is
 * never split, lost or duplicated), archives are gzipped in the background and retention deletes
 * the oldest. Failures are counted in `stats` and reported to `onError`, never thrown.
 *
 * @example
 * const telemetry = createTelemetryWriter({ file: 'telemetry.jsonl', maxSizeBytes: 52_428_800 });
 * telemetry.write({ ts: Date.now() / 1000, action: 'recommend', success: true, latency_ms: 12.5 });
 * await telemetry.close();
 */
export function createTelemetryWriter({
  file: givenFile,
  enabled = true,
  maxSizeBytes = 52_428_800,
  retention: { maxFiles = 20, maxAgeDays = 30 } = {},
  compress = true,
  flushIntervalMs = 50,
  maxBufferBytes = 256 * 1024,
  maxPendingBytes = 64 * 1024 * 1024,
  onError = defaultOnError,
  now = () => new Date(),
}: TelemetryWriterOptions): TelemetryWriter {
  const file = resolve(givenFile);
  const stats: TelemetryWriterStats = { written: 0, dropped: 0, errors: 0, rotations: 0 };

  // Room for a full batch and the lines that arrive while it is being written; grows if needed.
  const bufferCapacity = 2 * maxBufferBytes + 64 * 1024;
  let queue = newLineBuffer(bufferCapacity);
  // The last written batch's buffer, taken as the next queue: a fresh buffer per batch means new
  // pages for the kernel to fault in and zero on the request path.
  let spare: LineBuffer | undefined;
  let overflowReported = false;
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let closed = false;

  // The live file: descriptor, identity (to notice an external rotation) and next write offset.
  let fd: number | undefined;
  let identity = { dev: 0, ino: 0 };
  let position = 0;
  let firstOpen = true;
  // The batch being written (taken off the queue) and the write the exit path must re-issue if
  // the process ends before it is confirmed.
  let active: ActiveBatch | undefined;
  let inflight:
    | { fd: number; buffer: Buffer; offset: number; position: number; end: number }
    | undefined;
  let background: Promise<void> = Promise.resolve();

  function report(code: 'WRITE_FAILED' | 'INVALID_INPUT', message: string, cause?: unknown) {
    stats.errors++;
    try {
      onError(new EventKitError(code, message, { cause }));
    } catch {
      // A broken error callback must not break the request path either.
    }
  }

  function reportWrite(what: string, cause: unknown) {
    report(
      'WRITE_FAILED',
      `Cannot ${what} telemetry file ${file}: ${messageOf(cause)}. Check that its directory exists and is writable and that the disk is not full.`,
      cause,
    );
  }

  function write(input: TelemetryEventInput): void {
    if (!enabled) return;
    try {
      if (closed) {
        stats.dropped++;
        return;
      }
      const checked = validateTelemetryEvent(input);
      if (!checked.ok) {
        stats.dropped++;
        report('INVALID_INPUT', `Telemetry event dropped: ${checked.reason}`);
        return;
      }
      const line = formatTelemetryLine(checked.event);
      if (queue.used + line.length > maxPendingBytes) {
        stats.dropped++;
        if (!overflowReported) {
          overflowReported = true;
          reportWrite(
            'keep up with',
            new Error(`more than ${maxPendingBytes} bytes waiting; dropping events`),
          );
        }
        return;
      }
      append(line);
      if (queue.used >= maxBufferBytes) {
        void drain();
      } else if (timer === undefined && draining === undefined) {
        timer = setTimeout(onTimer, flushIntervalMs);
        timer.unref();
      }
    } catch (error) {
      // e.g. an event field whose getter throws.
      stats.dropped++;
      report('INVALID_INPUT', `Telemetry event dropped: ${messageOf(error)}`, error);
    }
  }

  /** Encodes a line at the end of the queue, moving the queue to a bigger buffer if needed. */
  function append(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: then the line cannot be cut short.
    const room = queue.used + line.length * 3;
    if (room > queue.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(room, 2 * queue.bytes.length));
      queue.bytes.copy(bigger, 0, 0, queue.used);
      queue.bytes = bigger;
    }
    queue.used += queue.bytes.write(line, queue.used);
    queue.ends.push(queue.used);
  }

  function onTimer(): void {
    timer = undefined;
    void drain();
  }

  function drain(): Promise<void> {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    draining ??= (async () => {
      try {
        while (queue.ends.length > 0) {
          const batch = queue;
          queue = spare ?? newLineBuffer(bufferCapacity);
          spare = undefined;
          overflowReported = false;
          await writeBatch(batch);
          batch.used = 0;
          batch.ends.length = 0;
          spare = batch;
        }
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  }

  async function writeBatch(lines: LineBuffer): Promise<void> {
    const batch = { lines, next: 0 };
    const count = lines.ends.length;
    active = batch;
    try {
      const live = await ensureOpen();
      if (maxSizeBytes <= 0 || position + lines.used <= maxSizeBytes) {
        await writeLines(live, batch, count);
        return;
      }
      // Split the batch at line boundaries, rotating before a line would cross maxSizeBytes.
      let current = live;
      let pendingBytes = 0;
      let canRotate = true;
      for (let i = 0; i < count; i++) {
        const bytes = (lines.ends[i] as number) - lineStart(lines, i);
        const used = position + pendingBytes;
        if (canRotate && used > 0 && used + bytes > maxSizeBytes) {
          if (i > batch.next) {
            await writeLines(current, batch, i);
            pendingBytes = 0;
          }
          const rotated = await rotate(current);
          if (rotated === undefined) canRotate = false;
          else current = rotated;
        }
        pendingBytes += bytes;
      }
      await writeLines(current, batch, count);
    } catch (error) {
      stats.dropped += count - batch.next;
      reportWrite('write to', error);
    } finally {
      active = undefined;
    }
  }

  /** Writes lines [batch.next, end) at the current position and advances both. */
  async function writeLines(target: number, batch: ActiveBatch, end: number): Promise<void> {
    const { lines } = batch;
    const buffer = lines.bytes.subarray(lineStart(lines, batch.next), lineStart(lines, end));
    const start = position;
    let offset = 0;
    try {
      while (offset < buffer.length) {
        inflight = { fd: target, buffer, offset, position, end };
        const written = await writeAsync(target, buffer, offset, buffer.length - offset, position);
        offset += written;
        position += written;
      }
    } catch (error) {
      // Never leave half a line behind (ENOSPC can write part of a buffer): cut back to the
      // last whole line, which is where this buffer started.
      if (offset > 0) {
        await ftruncateAsync(target, start).catch(() => undefined);
        position = start;
      }
      throw error;
    } finally {
      inflight = undefined;
    }
    stats.written += end - batch.next;
    batch.next = end;
  }

  /** The live descriptor, reopened if someone else rotated, removed or truncated the file. */
  async function ensureOpen(): Promise<number> {
    if (fd !== undefined) {
      const current = await stat(file).catch(() => undefined);
      if (current && current.ino === identity.ino && current.dev === identity.dev) {
        if (current.size < position) position = current.size; // copytruncate
        return fd;
      }
      // The old file now belongs to whoever renamed it; our next lines go to a new live file.
      const old = fd;
      fd = undefined;
      await closeAsync(old).catch(() => undefined);
    }
    await ensureDir(dirname(file));
    const opened = await openAsync(file, OPEN_FLAGS, 0o644);
    const info = await fstatAsync(opened);
    identity = { dev: info.dev, ino: info.ino };
    position = info.size;
    fd = opened;
    if (firstOpen) {
      firstOpen = false;
      inBackground(finishLeftovers);
    }
    return opened;
  }

  /** Renames the live file to the next archive name and opens a fresh one; undefined on failure. */
  async function rotate(current: number): Promise<number | undefined> {
    let target: string;
    try {
      target = await nextRotatedFileName(file, now());
      await rename(file, target);
    } catch (error) {
      reportWrite('rotate', error);
      return undefined;
    }
    stats.rotations++;
    // Until the new file is open, `fd` stays on the renamed one, so the exit path still has
    // somewhere to put the remaining lines (in order, at the end of the archive).
    try {
      await ensureDir(dirname(file));
      const opened = await openAsync(file, OPEN_FLAGS, 0o644);
      const info = await fstatAsync(opened);
      identity = { dev: info.dev, ino: info.ino };
      position = info.size;
      fd = opened;
      return opened;
    } catch (error) {
      fd = undefined;
      throw error;
    } finally {
      await closeAsync(current).catch(() => undefined);
      inBackground(() => archive(target));
    }
  }

  function inBackground(task: () => Promise<void>): void {
    background = background.then(task).catch((error) => reportWrite('archive', error));
  }

  async function archive(rotated: string): Promise<void> {
    if (compress) {
      await gzipFile(rotated).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error; // already removed by retention
      });
    }
    await applyRetention(file, { maxFiles, maxAgeDays, now });
  }

  /** Archives a previous run left uncompressed (it exited mid-rotation or mid-gzip). */
  async function finishLeftovers(): Promise<void> {
    if (compress) {
      await removeStaleGzipTemporaries(file);
      for (const path of await listRotatedFiles(file)) {
        if (STAMPED_ARCHIVE.test(path)) {
          await gzipFile(path).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          });
        }
      }
    }
    await applyRetention(file, { maxFiles, maxAgeDays, now });
  }

  /** The exit path: everything still in memory goes to disk synchronously. */
  function onExit(): void {
    try {
      let target = fd;
      let at = position;
      if (inflight) {
        // Re-issuing is idempotent: the same bytes at the same offset.
        const { buffer, offset, end } = inflight;
        target = inflight.fd;
        at = inflight.position;
        writeAllSync(target, buffer.subarray(offset), at);
        at += buffer.length - offset;
        inflight = undefined;
        if (active) {
          stats.written += end - active.next;
          active.next = end;
        }
      }
      const parts: Buffer[] = [];
      let lineCount = queue.ends.length;
      if (active) {
        const { lines, next } = active;
        parts.push(lines.bytes.subarray(lineStart(lines, next), lines.used));
        lineCount += lines.ends.length - next;
      }
      parts.push(queue.bytes.subarray(0, queue.used));
      active = undefined;
      queue = newLineBuffer(0);
      if (lineCount === 0) return;
      if (target === undefined) {
        ensureDirSync(dirname(file));
        target = openSync(file, OPEN_FLAGS, 0o644);
        at = fstatSync(target).size;
      }
      writeAllSync(target, Buffer.concat(parts), at);
      stats.written += lineCount;
    } catch (error) {
      reportWrite('write to', error);
    }
  }

  if (enabled) process.on('exit', onExit);

  return {
    file,
    stats,
    write,
    flush: () => drain(),
    close() {
      closing ??= (async () => {
        closed = true;
        await drain();
        await background;
        if (fd !== undefined) {
          const last = fd;
          fd = undefined;
          await closeAsync(last).catch((error) => reportWrite('close', error));
        }
        process.off('exit', onExit);
      })();
      return closing;
    },
  };
}
