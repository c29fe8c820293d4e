import { constants, fstatSync, openSync } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EventKitError } from '../errors.js';
import { gzipFile, removeStaleGzipTemporaries } from '../rotation/gzip-file.js';
import { applyRetention } from '../rotation/retention.js';
import { listRotatedFiles, nextRotatedFileName } from '../rotation/rotated-files.js';
import type { TelemetryEventInput } from './event.js';
import { formatTelemetryLine, TELEMETRY_GAP_ACTION, validateTelemetryEvent } from './event.js';
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
  /** Called once a failure episode's gap record is on disk: the writer has recovered. */
  onGapRecorded?: (gap: TelemetryGap) => void;
  /** While events are lost, how often to try the disk again when nothing else is written. Default 1000 ms. */
  retryIntervalMs?: number;
  now?: () => Date;
}

/**
 * Events a failure episode lost (a failed write or a full buffer), from the first loss until a
 * line lands again. The writer then writes them down as one gap record:
 * `{"action":"telemetry_gap","success":false,"latency_ms":0,"payload":{"dropped","since","until"},"error":reason}`.
 */
export interface TelemetryGap {
  /** Events lost. */
  dropped: number;
  /** `ts` of the earliest and latest lost event (unix seconds). */
  since: number;
  until: number;
  /** Why, short: `ENOSPC: disk full`, `EACCES: permission denied`. */
  reason: string;
}

export interface TelemetryWriterStats {
  /** Event lines on disk (gap records not included). */
  written: number;
  /** Events that will never be written: invalid, failed write, buffer overflow, after close(). */
  dropped: number;
  /** Problems reported through `onError`. */
  errors: number;
  /** Rotations of the live file. */
  rotations: number;
  /** Gap records on disk. */
  gaps: number;
}

export interface TelemetryWriter {
  /** The resolved path of the live file. */
  readonly file: string;
  /** Live counters. */
  readonly stats: Readonly<TelemetryWriterStats>;
  /** The failure episode in progress (events lost, no gap record yet), or undefined. */
  readonly gap: Readonly<TelemetryGap> | undefined;
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
  /** Each line's `ts`, for the gap record should it be lost. */
  ts: number[];
}

function newLineBuffer(capacity: number): LineBuffer {
  return { bytes: Buffer.allocUnsafe(capacity), used: 0, ends: [], ts: [] };
}

/** Where line i starts. */
function lineStart(lines: LineBuffer, i: number): number {
  return i === 0 ? 0 : (lines.ends[i - 1] as number);
}

interface ActiveBatch {
  lines: LineBuffer;
  /** The first line not yet confirmed on disk. */
  next: number;
  /** The gap that line 0 records, until that line is on disk. */
  recording: TelemetryGap | undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const ERRNO_REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EMFILE: 'too many open files',
};

/** A gap record's `error`: the errno and its meaning, or the first words of the message. */
function shortReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return `${code}: ${ERRNO_REASONS[code] ?? 'write failed'}`;
  return messageOf(error).slice(0, 200);
}

/** Two parts of one episode as one gap: the earlier part's reason. */
function mergeGaps(first: TelemetryGap | undefined, then: TelemetryGap | undefined) {
  if (first === undefined || then === undefined) return first ?? then;
  return {
    dropped: first.dropped + then.dropped,
    since: Math.min(first.since, then.since),
    until: Math.max(first.until, then.until),
    reason: first.reason,
  };
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
  onGapRecorded,
  retryIntervalMs = 1000,
  now = () => new Date(),
}: TelemetryWriterOptions): TelemetryWriter {
  const file = resolve(givenFile);
  const stats: TelemetryWriterStats = {
    written: 0,
    dropped: 0,
    errors: 0,
    rotations: 0,
    gaps: 0,
  };
  // Events lost and not yet recorded (the batch being written may be recording an earlier part).
  let gap: TelemetryGap | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

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
        const cause = new Error(`disk too slow: more than ${maxPendingBytes} bytes waiting`);
        lose(checked.event.ts, checked.event.ts, 1, cause.message);
        if (!overflowReported) {
          overflowReported = true;
          reportWrite('keep up with', cause);
        }
        return;
      }
      append(line, checked.event.ts);
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

  /** Counts lost events into the episode's gap. */
  function lose(since: number, until: number, count: number, reason: string): void {
    stats.dropped += count;
    gap = mergeGaps(gap, { dropped: count, since, until, reason });
  }

  /** Counts lines [from, to) of a buffer as lost. */
  function loseLines(lines: LineBuffer, from: number, to: number, error: unknown): void {
    if (to <= from) return;
    let since = Number.POSITIVE_INFINITY;
    let until = Number.NEGATIVE_INFINITY;
    for (let i = from; i < to; i++) {
      const ts = lines.ts[i] as number;
      if (ts < since) since = ts;
      if (ts > until) until = ts;
    }
    lose(since, until, to - from, shortReason(error));
  }

  function gapLine(recorded: TelemetryGap): string {
    const { dropped, since, until, reason } = recorded;
    return formatTelemetryLine({
      ts: now().getTime() / 1000,
      action: TELEMETRY_GAP_ACTION,
      success: false,
      latency_ms: 0,
      payload: { dropped, since, until },
      error: reason,
    });
  }

  /** A batch whose first line is the gap record, then the lines of `lines`. */
  function withGapRecord(lines: LineBuffer, recorded: TelemetryGap): LineBuffer {
    const record = Buffer.from(gapLine(recorded));
    const bytes = Buffer.allocUnsafe(record.length + lines.used);
    record.copy(bytes);
    lines.bytes.copy(bytes, record.length, 0, lines.used);
    return {
      bytes,
      used: bytes.length,
      ends: [record.length, ...lines.ends.map((end) => end + record.length)],
      ts: [0, ...lines.ts],
    };
  }

  /** Lines [batch.next, end) are on disk: counts them, the gap record apart. */
  function confirm(batch: ActiveBatch, end: number): void {
    let events = end - batch.next;
    if (batch.recording !== undefined && batch.next === 0 && end > 0) {
      const recorded = batch.recording;
      batch.recording = undefined;
      events--;
      stats.gaps++;
      try {
        onGapRecorded?.(recorded);
      } catch {
        // As with onError: a broken callback must not break the writer.
      }
    }
    stats.written += events;
    batch.next = end;
  }

  /** While events are lost and nothing else is written, try the disk again now and then. */
  function scheduleRetry(): void {
    if (gap === undefined || closed || retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void drain();
    }, retryIntervalMs);
    retryTimer.unref();
  }

  /** Encodes a line at the end of the queue, moving the queue to a bigger buffer if needed. */
  function append(line: string, ts: number): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: then the line cannot be cut short.
    const room = queue.used + line.length * 3;
    if (room > queue.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(room, 2 * queue.bytes.length));
      queue.bytes.copy(bigger, 0, 0, queue.used);
      queue.bytes = bigger;
    }
    queue.used += queue.bytes.write(line, queue.used);
    queue.ends.push(queue.used);
    queue.ts.push(ts);
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
    // Nothing to do: resolve now. Run, the async body below would finish synchronously and
    // clear `draining` before `??=` stored the finished promise, which would then stay there and
    // make every later write wait for a drain that never comes.
    if (draining === undefined && queue.ends.length === 0 && gap === undefined) {
      return Promise.resolve();
    }
    draining ??= (async () => {
      try {
        // Nothing queued but events lost: the gap record alone, so it lands as soon as it can.
        if (queue.ends.length === 0 && gap !== undefined) await writeGapAlone();
        while (queue.ends.length > 0) {
          const batch = queue;
          queue = spare ?? newLineBuffer(bufferCapacity);
          spare = undefined;
          overflowReported = false;
          const recording = gap;
          gap = undefined;
          await writeBatch(recording ? withGapRecord(batch, recording) : batch, recording);
          batch.used = 0;
          batch.ends.length = 0;
          batch.ts.length = 0;
          spare = batch;
        }
      } finally {
        draining = undefined;
        scheduleRetry();
      }
    })();
    return draining;
  }

  /**
   * A retry of the gap record on its own. Failing again is the same episode: counted already,
   * and not reported again.
   */
  async function writeGapAlone(): Promise<void> {
    const recording = gap as TelemetryGap;
    gap = undefined;
    const lines = withGapRecord(newLineBuffer(0), recording);
    const batch: ActiveBatch = { lines, next: 0, recording };
    active = batch;
    try {
      await writeLines(await ensureOpen(), batch, 1);
    } catch {
      gap = mergeGaps(recording, gap);
    } finally {
      active = undefined;
    }
  }

  async function writeBatch(lines: LineBuffer, recording?: TelemetryGap): Promise<void> {
    const batch: ActiveBatch = { lines, next: 0, recording };
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
      // The gap record did not land: its events stay lost, ahead of the ones lost now.
      if (batch.recording !== undefined) gap = mergeGaps(batch.recording, gap);
      loseLines(lines, batch.recording !== undefined ? 1 : batch.next, count, error);
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
    confirm(batch, end);
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
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    let events = 0;
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
        if (active) confirm(active, end);
      }
      const parts: Buffer[] = [];
      let records = 0;
      // The episode still unrecorded goes first: it is older than anything queued.
      const recording = mergeGaps(active?.recording, gap);
      if (recording !== undefined) {
        parts.push(Buffer.from(gapLine(recording)));
        records = 1;
      }
      events = queue.ends.length;
      if (active) {
        const { lines, next } = active;
        const from = active.recording !== undefined ? lineStart(lines, 1) : lineStart(lines, next);
        parts.push(lines.bytes.subarray(from, lines.used));
        events += lines.ends.length - (active.recording !== undefined ? 1 : next);
      }
      parts.push(queue.bytes.subarray(0, queue.used));
      active = undefined;
      gap = undefined;
      queue = newLineBuffer(0);
      if (events + records === 0) return;
      if (target === undefined) {
        ensureDirSync(dirname(file));
        target = openSync(file, OPEN_FLAGS, 0o644);
        at = fstatSync(target).size;
      }
      writeAllSync(target, Buffer.concat(parts), at);
      stats.written += events;
      stats.gaps += records;
    } catch (error) {
      stats.dropped += events;
      reportWrite('write to', error);
    }
  }

  if (enabled) process.on('exit', onExit);

  return {
    file,
    stats,
    get gap() {
      return mergeGaps(active?.recording, gap);
    },
    write,
    flush: () => drain(),
    close() {
      closing ??= (async () => {
        closed = true;
        if (retryTimer !== undefined) clearTimeout(retryTimer);
        retryTimer = undefined;
        // One last try at recording what was lost (a failure now is not reported again).
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
