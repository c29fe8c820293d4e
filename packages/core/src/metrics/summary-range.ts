import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createLineFramer, type LineFramer, READ_CHUNK_BYTES } from '../reader/line-framer.js';
import { createScannedLine, scanCanonicalLine } from '../reader/line-scanner.js';
import {
  feedFile,
  isGzipFile,
  openTelemetryFile,
  parseLineBytes,
  TOO_LONG_REASON,
  truncatedReason,
  unreadable,
} from '../reader/telemetry-file.js';
import {
  createSummaryBuilder,
  type SerializedSummary,
  type SummaryBuilder,
} from './summary-builder.js';

/** Filters of ReadOptions, as plain data a worker can receive. */
export interface SummaryFilter {
  since?: number;
  until?: number;
  actions?: string[];
}

/** One unit of work: lines starting in bytes [start, end) of a file (a whole file when gzip). */
export interface RangeTask {
  file: string;
  start: number;
  end: number;
}

export interface RangeResult {
  summary: SerializedSummary;
  /** Lines that started in the range; malformed line numbers are relative to the range. */
  lines: number;
}

const NEWLINE = 0x0a;

/** Interns action names straight from the bytes, so the hot path makes no string per line. */
function createActionNames() {
  const known: { bytes: Buffer; name: string }[] = [];
  return (buf: Buffer, start: number, end: number): string => {
    const length = end - start;
    for (const entry of known) {
      const bytes = entry.bytes;
      if (bytes.length !== length || bytes[0] !== buf[start]) continue;
      let same = true;
      for (let k = 1; k < length; k++) {
        if (bytes[k] !== buf[start + k]) {
          same = false;
          break;
        }
      }
      if (same) return entry.name;
    }
    const name = buf.toString('latin1', start, end);
    if (known.length < 64) known.push({ bytes: Buffer.from(buf.subarray(start, end)), name });
    return name;
  };
}

function createSummaryFramer(
  file: string,
  builder: SummaryBuilder,
  filter: SummaryFilter,
  atFileStart: boolean,
): LineFramer {
  const since = filter.since ?? Number.NEGATIVE_INFINITY;
  const until = filter.until ?? Number.POSITIVE_INFINITY;
  const actions = filter.actions === undefined ? undefined : new Set(filter.actions);
  const scanned = createScannedLine();
  const actionName = createActionNames();
  return createLineFramer({
    atFileStart,
    onTooLong: (line) => builder.addMalformed({ file, line, reason: TOO_LONG_REASON }),
    onLine: (buf, start, end, line, terminated) => {
      if (scanCanonicalLine(buf, start, end, scanned)) {
        const ts = scanned.ts;
        if (ts < since || ts >= until) return;
        const action = actionName(buf, scanned.actionStart, scanned.actionEnd);
        if (actions && !actions.has(action)) return;
        builder.addSample(action, scanned.success, scanned.latencyMs, ts);
        return;
      }
      const parsed = parseLineBytes(buf, start, end);
      if (!parsed.ok) {
        const reason = terminated ? parsed.reason : truncatedReason(parsed.reason);
        builder.addMalformed({ file, line, reason });
        return;
      }
      const event = parsed.event;
      if (event.ts < since || event.ts >= until) return;
      if (actions && !actions.has(event.action)) return;
      builder.addSample(event.action, event.success, event.latency_ms, event.ts);
    },
  });
}

/** Reads at a position; synchronously when `sync` (a worker thread has nothing else to do). */
async function readAt(
  handle: FileHandle,
  file: string,
  into: Buffer,
  position: number,
  sync: boolean,
): Promise<number> {
  try {
    if (sync) return readSync(handle.fd, into, 0, into.length, position);
    return (await handle.read(into, 0, into.length, position)).bytesRead;
  } catch (error) {
    throw unreadable(file, error);
  }
}

/** Where the first line starting in [start, end) begins, or -1 when none does. */
async function firstLineStart(
  handle: FileHandle,
  file: string,
  start: number,
  end: number,
  sync: boolean,
) {
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let position = start - 1;
  while (position < end - 1) {
    const bytesRead = await readAt(handle, file, chunk, position, sync);
    if (bytesRead === 0) return -1;
    const newline = chunk.subarray(0, bytesRead).indexOf(NEWLINE);
    if (newline >= 0) {
      const lineStart = position + newline + 1;
      return lineStart < end ? lineStart : -1;
    }
    position += bytesRead;
  }
  return -1;
}

async function feedRange(
  handle: FileHandle,
  task: RangeTask,
  framer: LineFramer,
  sync: boolean,
): Promise<void> {
  const { file, end } = task;
  let position = task.start === 0 ? 0 : await firstLineStart(handle, file, task.start, end, sync);
  if (position < 0) return;
  while (position < end) {
    const space = framer.space();
    const want = Math.min(space.length, end - position, READ_CHUNK_BYTES);
    const bytesRead = await readAt(handle, file, space.subarray(0, want), position, sync);
    if (bytesRead === 0) {
      framer.end();
      return;
    }
    position += bytesRead;
    framer.commit(bytesRead);
  }
  // Finish the line that straddles `end`; the next range starts after its newline.
  while (framer.pending > 0) {
    const space = framer.space();
    const bytesRead = await readAt(handle, file, space, position, sync);
    if (bytesRead === 0) {
      framer.end();
      return;
    }
    const newline = space.subarray(0, bytesRead).indexOf(NEWLINE);
    if (newline >= 0) {
      framer.commit(newline + 1);
      return;
    }
    position += bytesRead;
    framer.commit(bytesRead);
  }
}

/**
 * Summarises the lines that start in one byte range of a file (or all of a gzip file, which
 * cannot be split). Runs the same in a worker thread and in-process.
 */
export async function summarizeRange(
  task: RangeTask,
  filter: SummaryFilter,
  { syncReads = false }: { syncReads?: boolean } = {},
): Promise<RangeResult> {
  const builder = createSummaryBuilder();
  const framer = createSummaryFramer(task.file, builder, filter, task.start === 0);
  const handle = await openTelemetryFile(task.file);
  let gzip: boolean;
  try {
    gzip = await isGzipFile(handle);
    if (!gzip) await feedRange(handle, task, framer, syncReads);
  } finally {
    await handle.close().catch(() => undefined);
  }
  if (gzip) {
    const onCorrupt = (line: number, reason: string): void =>
      builder.addMalformed({ file: task.file, line, reason });
    for await (const _ of feedFile(task.file, framer, onCorrupt)) {
      // feedFile hands every line to the framer; nothing to do between chunks.
    }
  }
  return { summary: builder.toJSON(), lines: framer.lines };
}
