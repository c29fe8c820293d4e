import { parentPort } from 'node:worker_threads';
import { type EventKitErrorCode, isEventKitError } from '../errors.js';
import type { WasmModule } from '../reader/writer-line-wasm.js';
import { type SerializedSummary, summaryBuffers } from './summary-builder.js';
import {
  createRangeSummarizer,
  type RangeOutcome,
  type RangeTask,
  type SummaryFilter,
  takeRanges,
} from './summary-range.js';

/** What summarizeTelemetry sends a worker: every range, and the shared cursor to claim them by. */
export interface WorkerRequest {
  tasks: RangeTask[];
  filter: SummaryFilter;
  /** Int32Array over it: [0] is the index of the next unclaimed range. */
  cursor: SharedArrayBuffer;
  /** Whether to use the WebAssembly kernel (see RangeSummarizerOptions.accelerate). */
  accelerate: boolean;
  /** The kernel compiled by the sender; undefined when it has none. */
  module: WasmModule | undefined;
  /** The most latencies kept for exact percentiles (see SummaryBuilderOptions). */
  exactLimit: number | undefined;
  /** Keep per-instance summaries too (see RangeSummarizerOptions). */
  byInstance: boolean;
}

export type WorkerReply =
  | { ok: true; outcomes: [id: number, outcome: RangeOutcome][]; summary: SerializedSummary }
  | { ok: false; code?: EventKitErrorCode; message: string };

// Worker thread entry of summarizeTelemetry: claims ranges until none is left, adds them all to
// one summary, and sends it with each range's outcome; its latencies' buffers are moved, not copied.
parentPort?.once('message', (request: WorkerRequest) => {
  const { tasks, filter, cursor, accelerate, module, exactLimit, byInstance } = request;
  const summarizer = createRangeSummarizer(filter, {
    syncReads: true,
    accelerate,
    module,
    exactLimit,
    byInstance,
  });
  takeRanges(summarizer, tasks, new Int32Array(cursor)).then(
    (outcomes) => {
      const summary = summarizer.finish();
      const reply: WorkerReply = { ok: true, outcomes, summary };
      parentPort?.postMessage(reply, summaryBuffers(summary));
    },
    (error: unknown) => {
      const reply: WorkerReply = {
        ok: false,
        code: isEventKitError(error) ? error.code : undefined,
        message: error instanceof Error ? error.message : String(error),
      };
      parentPort?.postMessage(reply);
    },
  );
});
