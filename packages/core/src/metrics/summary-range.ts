import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createLineFramer, type LineFramer, READ_CHUNK_BYTES } from '../reader/line-framer.js';
import {
  createScannedLine,
  type ScannedLine,
  scanCanonicalLine,
  scanWriterLine,
} from '../reader/line-scanner.js';
import {
  FIRST_MALFORMED_KEPT,
  feedFile,
  isGzipFile,
  type MalformedLine,
  openTelemetryFile,
  parseLineBytes,
  TOO_LONG_REASON,
  truncatedReason,
  unreadable,
} from '../reader/telemetry-file.js';
import { createWasmWriterLine } from '../reader/writer-line-wasm.js';
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

/** What a range adds besides its samples; line numbers are relative to the range. */
export interface RangeOutcome {
  /** Lines that started in the range. */
  lines: number;
  malformed: number;
  /** The first few malformed lines of the range (FIRST_MALFORMED_KEPT), in order. */
  firstMalformed: MalformedLine[];
}

const NEWLINE = 0x0a;

/** Samples of one action buffered before they go to the builder in one `addBatch`. */
const BATCH_SIZE = 1024;
/** Distinct action names a range tracks by their bytes; others go through `addSample`. */
const MAX_TRACKED_ACTIONS = 64;

interface ActionBatch {
  bytes: Buffer;
  name: string;
  /** False when the `actions` filter excludes this name. */
  included: boolean;
  latencies: Float64Array;
  n: number;
  failed: number;
  minTs: number;
  maxTs: number;
}

/**
 * The fast path's per-action accumulator: finds an action by its bytes (no string per line)
 * and buffers its samples, so the builder sees one call per BATCH_SIZE samples.
 */
function createActionBatches(builder: SummaryBuilder, actions: Set<string> | undefined) {
  const batches: ActionBatch[] = [];

  function flush(batch: ActionBatch): void {
    builder.addBatch(batch.name, batch.latencies, batch.n, batch.failed, batch.minTs, batch.maxTs);
    batch.n = 0;
    batch.failed = 0;
    batch.minTs = Number.POSITIVE_INFINITY;
    batch.maxTs = Number.NEGATIVE_INFINITY;
  }

  function find(buf: Buffer, start: number, end: number): ActionBatch | undefined {
    const length = end - start;
    for (let e = 0; e < batches.length; e++) {
      const batch = batches[e] as ActionBatch;
      const bytes = batch.bytes;
      if (bytes.length !== length || bytes[0] !== buf[start]) continue;
      let k = 1;
      while (k < length && bytes[k] === buf[start + k]) k++;
      if (k === length) return batch;
    }
    return undefined;
  }

  return {
    /** Adds one fast-path sample; the action is bytes [start, end) of buf (ASCII). */
    add(
      buf: Buffer,
      start: number,
      end: number,
      success: boolean,
      latencyMs: number,
      ts: number,
    ): void {
      let batch = find(buf, start, end);
      if (batch === undefined) {
        const name = buf.toString('latin1', start, end);
        const included = actions === undefined || actions.has(name);
        if (batches.length >= MAX_TRACKED_ACTIONS) {
          if (included) builder.addSample(name, success, latencyMs, ts);
          return;
        }
        batch = {
          bytes: Buffer.from(buf.subarray(start, end)),
          name,
          included,
          latencies: new Float64Array(included ? BATCH_SIZE : 0),
          n: 0,
          failed: 0,
          minTs: Number.POSITIVE_INFINITY,
          maxTs: Number.NEGATIVE_INFINITY,
        };
        batches.push(batch);
        // Registered now, so the builder sees names in the order they first appear.
        if (included) flush(batch);
      }
      if (!batch.included) return;
      batch.latencies[batch.n++] = latencyMs;
      if (!success) batch.failed++;
      if (ts < batch.minTs) batch.minTs = ts;
      if (ts > batch.maxTs) batch.maxTs = ts;
      if (batch.n === BATCH_SIZE) flush(batch);
    },
    /** Hands every buffered sample to the builder. */
    flushAll(): void {
      for (const batch of batches) if (batch.included && batch.n > 0) flush(batch);
    },
  };
}

/** Malformed lines of one range: all counted, the first few kept with their location. */
interface MalformedRecorder {
  count: number;
  first: MalformedLine[];
}

function record(recorder: MalformedRecorder, malformed: MalformedLine): void {
  recorder.count++;
  if (recorder.first.length < FIRST_MALFORMED_KEPT) recorder.first.push(malformed);
}

/** The range being read: where its malformed lines are reported. */
interface CurrentRange {
  file: string;
  malformed: MalformedRecorder;
}

interface WriterLineShortcut {
  /** The framer's buffer: the scanner's own memory for the WebAssembly one. */
  buffer: Buffer | undefined;
  scan(buf: Buffer, start: number, limit: number, out: ScannedLine): number;
}

/** The framer's shortcut for our writer's lines: WebAssembly, or JavaScript without its module. */
function writerLineShortcut(): WriterLineShortcut {
  try {
    const wasm = createWasmWriterLine();
    return { buffer: wasm.buffer, scan: (_buf, start, limit, out) => wasm.scan(start, limit, out) };
  } catch {
    // wasm/writer-line.wasm missing (core copied without it): the same lines, more slowly.
    return { buffer: undefined, scan: scanWriterLine };
  }
}

/** One framer for every range of a thread, feeding one builder. */
function createSummaryFramer(
  builder: SummaryBuilder,
  filter: SummaryFilter,
  current: CurrentRange,
): { framer: LineFramer; flush: () => void } {
  const since = filter.since ?? Number.NEGATIVE_INFINITY;
  const until = filter.until ?? Number.POSITIVE_INFINITY;
  const actions = filter.actions === undefined ? undefined : new Set(filter.actions);
  const scanned = createScannedLine();
  const batches = createActionBatches(builder, actions);
  const shortcut = writerLineShortcut();
  const framer = createLineFramer({
    buffer: shortcut.buffer,
    tryLine: (buf, start, limit) => {
      const newline = shortcut.scan(buf, start, limit, scanned);
      if (newline < 0) return -1;
      const ts = scanned.ts;
      if (ts >= since && ts < until) {
        batches.add(
          buf,
          scanned.actionStart,
          scanned.actionEnd,
          scanned.success,
          scanned.latencyMs,
          ts,
        );
      }
      return newline;
    },
    onTooLong: (line) =>
      record(current.malformed, { file: current.file, line, reason: TOO_LONG_REASON }),
    onLine: (buf, start, end, line, terminated) => {
      if (scanCanonicalLine(buf, start, end, scanned)) {
        const ts = scanned.ts;
        if (ts < since || ts >= until) return;
        batches.add(
          buf,
          scanned.actionStart,
          scanned.actionEnd,
          scanned.success,
          scanned.latencyMs,
          ts,
        );
        return;
      }
      const parsed = parseLineBytes(buf, start, end);
      if (!parsed.ok) {
        const reason = terminated ? parsed.reason : truncatedReason(parsed.reason);
        record(current.malformed, { file: current.file, line, reason });
        return;
      }
      const event = parsed.event;
      if (event.ts < since || event.ts >= until) return;
      if (actions && !actions.has(event.action)) return;
      builder.addSample(event.action, event.success, event.latency_ms, event.ts);
    },
  });
  return { framer, flush: batches.flushAll };
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

export interface RangeSummarizer {
  /** Adds the lines that start in one byte range of a file (all of a gzip file, which cannot be split). */
  summarize(task: RangeTask): Promise<RangeOutcome>;
  /** Everything summarised so far; malformed lines are not in it but in each range's outcome. */
  finish(): SerializedSummary;
}

/**
 * One thread's share of a summary: every range it takes goes into one builder, so a range costs
 * little more than its lines and ranges can be small enough to balance threads that start late.
 * Runs the same in a worker thread and in-process; `syncReads` suits a thread with nothing else
 * to do.
 */
export function createRangeSummarizer(
  filter: SummaryFilter,
  { syncReads = false }: { syncReads?: boolean } = {},
): RangeSummarizer {
  const builder = createSummaryBuilder();
  const current: CurrentRange = { file: '', malformed: { count: 0, first: [] } };
  const { framer, flush } = createSummaryFramer(builder, filter, current);

  return {
    async summarize(task) {
      const malformed: MalformedRecorder = { count: 0, first: [] };
      current.file = task.file;
      current.malformed = malformed;
      framer.restart(task.start === 0);
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
          record(malformed, { file: task.file, line, reason });
        for await (const _ of feedFile(task.file, framer, onCorrupt)) {
          // feedFile hands every line to the framer; nothing to do between chunks.
        }
      }
      return { lines: framer.lines, malformed: malformed.count, firstMalformed: malformed.first };
    },
    finish() {
      flush();
      return builder.toJSON();
    },
  };
}

/**
 * Summarises ranges claimed one by one through a cursor shared by every thread of a summary
 * (`cursor[0]`: the next unclaimed index), so threads that start late or run slow take fewer.
 */
export async function takeRanges(
  summarizer: RangeSummarizer,
  tasks: RangeTask[],
  cursor: Int32Array,
): Promise<[id: number, outcome: RangeOutcome][]> {
  const outcomes: [number, RangeOutcome][] = [];
  for (let id = Atomics.add(cursor, 0, 1); id < tasks.length; id = Atomics.add(cursor, 0, 1)) {
    outcomes.push([id, await summarizer.summarize(tasks[id] as RangeTask)]);
  }
  return outcomes;
}
