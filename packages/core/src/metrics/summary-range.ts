import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createLineAccelerator } from '../reader/line-accelerator.js';
import { createLineDecoder, type LineDecoder } from '../reader/line-decoder.js';
import { createLineFramer, type LineFramer, READ_CHUNK_BYTES } from '../reader/line-framer.js';
import {
  FIRST_MALFORMED_KEPT,
  feedFile,
  isGzipFile,
  type MalformedLine,
  openTelemetryFile,
  type TelemetrySource,
  TOO_LONG_REASON,
  truncatedReason,
  unreadable,
} from '../reader/telemetry-file.js';
import type { WasmModule } from '../reader/writer-line-wasm.js';
import { TELEMETRY_GAP_ACTION } from '../telemetry/event.js';
import {
  createSummaryBuilder,
  gapEpisode,
  type SerializedSummary,
  type SummaryBuilder,
} from './summary-builder.js';

/**
 * A valid line as a summary reads it, for a caller that builds more from the same pass (see
 * SummarizeOptions.onLine): the line decoder's fields. `ts`, `action`, `success` and `latencyMs`
 * cost nothing; `traceId` and `instance` build a string, `event()` the whole event (its `error`,
 * its `payload`), on demand. Valid only during the call.
 */
export type SummaryLine = Pick<
  LineDecoder,
  'ts' | 'action' | 'success' | 'latencyMs' | 'traceId' | 'instance' | 'event'
>;

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
  /** A stream read whole instead of `file` (named `file`); never sent to a worker. */
  source?: TelemetrySource;
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
const GAP_REASON = 'payload.dropped: a gap record needs a count of dropped events';

/** A SummaryFilter ready for the per-line checks. */
interface SampleWindow {
  since: number;
  until: number;
  /** Undefined: every action. */
  actions: Set<string> | undefined;
}

function sampleWindow(filter: SummaryFilter): SampleWindow {
  return {
    since: filter.since ?? Number.NEGATIVE_INFINITY,
    until: filter.until ?? Number.POSITIVE_INFINITY,
    actions: filter.actions === undefined ? undefined : new Set(filter.actions),
  };
}

/** Whether a sample of `action` at `ts` belongs in the summary. */
function keeps(window: SampleWindow, action: string, ts: number): boolean {
  return (
    ts >= window.since &&
    ts < window.until &&
    (window.actions === undefined || window.actions.has(action))
  );
}

/** Whether a gap's lost events fall (partly) in the window; it concerns every action. */
function overlaps(window: SampleWindow, since: number, until: number): boolean {
  return until >= window.since && since < window.until;
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

/** How a thread's lines are decoded. */
export interface RangeSummarizerOptions {
  /** Synchronous reads: for a worker thread, which has nothing else to do. */
  syncReads?: boolean;
  /**
   * Take our writer's lines through the WebAssembly kernel when it is available (default true);
   * false decodes every line in JavaScript. Both give the same summary.
   */
  accelerate?: boolean;
  /** The compiled kernel, e.g. sent by the thread that compiled it. */
  module?: WasmModule;
  /** The most latencies kept for exact percentiles (see SummaryBuilderOptions). */
  exactLimit?: number;
  /**
   * Keep one summary per instance too (see SummaryBuilderOptions). Every line then goes through
   * the line decoder, which reads its instance: the WebAssembly kernel batches by action only.
   */
  byInstance?: boolean;
  /** Sees every valid line first (see SummarizeOptions.onLine); JavaScript decoding only. */
  onLine?: ((line: SummaryLine) => void) | undefined;
}

/** One framer for every range of a thread, feeding one builder. */
function createSummaryFramer(
  builder: SummaryBuilder,
  filter: SummaryFilter,
  current: CurrentRange,
  { accelerate = true, module, byInstance = false, onLine }: RangeSummarizerOptions,
): { framer: LineFramer; flush: () => void; accelerated: boolean } {
  const window = sampleWindow(filter);
  const decoder = createLineDecoder();
  const addLine = (action: string, success: boolean, latencyMs: number, ts: number): void => {
    if (keeps(window, action, ts)) builder.addSample(action, success, latencyMs, ts);
  };
  const accelerator =
    accelerate && !byInstance && onLine === undefined
      ? createLineAccelerator({
          since: window.since,
          until: window.until,
          wanted: (action) => window.actions === undefined || window.actions.has(action),
          sink: { addBatch: builder.addBatch, addLine },
          // A gap record needs its payload, which the kernel does not read: it is not a request.
          perLine: (action) => action === TELEMETRY_GAP_ACTION,
          module,
        })
      : undefined;
  const framer = createLineFramer({
    buffer: accelerator?.buffer,
    shortcut: accelerator,
    onTooLong: (line) =>
      record(current.malformed, { file: current.file, line, reason: TOO_LONG_REASON }),
    onLine: (buf, start, end, line, terminated) => {
      if (decoder.decode(buf, start, end)) {
        onLine?.(decoder);
        if (decoder.action === TELEMETRY_GAP_ACTION) {
          const episode = gapEpisode(decoder.event());
          if (episode === undefined) {
            record(current.malformed, { file: current.file, line, reason: GAP_REASON });
          } else if (overlaps(window, episode.since, episode.until)) {
            builder.addGap(episode, byInstance ? decoder.instance : undefined);
          }
          return;
        }
        if (byInstance) {
          const { action, ts } = decoder;
          if (keeps(window, action, ts)) {
            builder.addSample(action, decoder.success, decoder.latencyMs, ts, decoder.instance);
          }
          return;
        }
        addLine(decoder.action, decoder.success, decoder.latencyMs, decoder.ts);
        return;
      }
      const reason = terminated ? decoder.reason : truncatedReason(decoder.reason);
      record(current.malformed, { file: current.file, line, reason });
    },
  });
  return { framer, flush: () => accelerator?.flush(), accelerated: accelerator !== undefined };
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
  /** Whether the WebAssembly kernel takes our writer's lines (false: all in JavaScript). */
  readonly accelerated: boolean;
}

/**
 * One thread's share of a summary: every range it takes goes into one builder, so a range costs
 * little more than its lines and ranges can be small enough to balance threads that start late.
 * Runs the same in a worker thread and in-process; `syncReads` suits a thread with nothing else
 * to do.
 */
export function createRangeSummarizer(
  filter: SummaryFilter,
  options: RangeSummarizerOptions = {},
): RangeSummarizer {
  const syncReads = options.syncReads ?? false;
  const builder = createSummaryBuilder({
    exactLimit: options.exactLimit,
    byInstance: options.byInstance,
  });
  const current: CurrentRange = { file: '', malformed: { count: 0, first: [] } };
  const { framer, flush, accelerated } = createSummaryFramer(builder, filter, current, options);

  return {
    accelerated,
    async summarize(task) {
      const malformed: MalformedRecorder = { count: 0, first: [] };
      current.file = task.file;
      current.malformed = malformed;
      framer.restart(task.start === 0);
      let whole: TelemetrySource | string | undefined = task.source;
      if (whole === undefined) {
        const handle = await openTelemetryFile(task.file);
        try {
          if (await isGzipFile(handle)) whole = task.file;
          else await feedRange(handle, task, framer, syncReads);
        } finally {
          await handle.close().catch(() => undefined);
        }
      }
      if (whole !== undefined) {
        // A gzip file or a stream cannot be split: read whole, one chunk after another.
        const onCorrupt = (line: number, reason: string): void =>
          record(malformed, { file: task.file, line, reason });
        for await (const _ of feedFile(whole, framer, onCorrupt)) {
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
