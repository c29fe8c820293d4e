import { type LineShortcut, MAX_LINE_BYTES } from './line-framer.js';
import { createScannedLine } from './line-scanner.js';
import {
  createWasmWriterLines,
  SCAN_BATCH_FULL,
  SCAN_NEW_ACTION,
  type WasmModule,
  writerLinesModule,
} from './writer-line-wasm.js';

/** Where the accelerator hands what it took. */
export interface LineBatchSink {
  /** Samples of one action in the window: latencies [0, samples), a view valid during the call. */
  addBatch(
    action: string,
    latencies: Float64Array,
    samples: number,
    failed: number,
    minTs: number,
    maxTs: number,
  ): void;
  /** One valid line, not yet checked against the window or the actions filter. */
  addLine(action: string, success: boolean, latencyMs: number, ts: number): void;
}

export interface LineAcceleratorOptions {
  /** Batches keep samples with ts in [since, until). */
  since: number;
  until: number;
  /** Whether samples of this action are kept. */
  wanted(action: string): boolean;
  sink: LineBatchSink;
  /** Actions whose lines go to the framer's per-line handler, one by one (default: none). */
  perLine?: (action: string) => boolean;
  /** The compiled kernel, e.g. sent by the thread that compiled it (default: this thread's). */
  module?: WasmModule;
}

/**
 * A line framer's shortcut for our writer's lines, scanned, windowed and batched per action many
 * lines at a time by the WebAssembly kernel. Lines it does not take (other layouts, non-ASCII,
 * malformed) go to the framer's per-line handler as usual.
 */
export interface LineAccelerator extends LineShortcut {
  /** The framer's working buffer: the kernel sees only its own memory. */
  buffer: Buffer;
  /** Hands the samples still batched to the sink. */
  flush(): void;
}

/**
 * The summary's accelerated batch path, or undefined when the kernel is unavailable (disabled by
 * EVENTKIT_WASM=0, core not built, or a module that does not instantiate): the caller then
 * decodes every line with `createLineDecoder`, with the same results.
 */
export function createLineAccelerator({
  since,
  until,
  wanted,
  sink,
  perLine = () => false,
  module = writerLinesModule(),
}: LineAcceleratorOptions): LineAccelerator | undefined {
  if (module === undefined) return undefined;
  let wasm: ReturnType<typeof createWasmWriterLines>;
  try {
    wasm = createWasmWriterLines(module);
  } catch {
    return undefined;
  }
  const names: string[] = [];
  const included: boolean[] = [];
  const line = createScannedLine();
  wasm.reset(since, until, MAX_LINE_BYTES);

  function flush(id: number): void {
    const batch = wasm.batch(id);
    const name = names[id] as string;
    sink.addBatch(name, batch.latencies, batch.samples, batch.failed, batch.minTs, batch.maxTs);
    wasm.resetBatch(id);
  }

  return {
    buffer: wasm.buffer,
    taken: 0,
    take(buf, start, limit) {
      let position = start;
      let taken = 0;
      for (;;) {
        const status = wasm.scanLines(position, limit);
        taken += wasm.taken;
        position = wasm.next;
        if (status === SCAN_BATCH_FULL) {
          flush(wasm.batchId);
          continue;
        }
        if (status !== SCAN_NEW_ACTION) break;
        const newline = wasm.lastLine(line);
        const name = buf.toString('latin1', line.actionStart, line.actionEnd);
        // Left out of the table, so the kernel stops at each such line: `position` is its start.
        if (perLine(name)) break;
        const keep = wanted(name);
        const id = wasm.addAction(line.actionStart, line.actionEnd, keep);
        if (id >= 0) {
          names[id] = name;
          included[id] = keep;
          if (keep) flush(id); // hands the name over now, in first-seen order; the batch is empty
          continue;
        }
        // The table is full (a file with many action names): this line on its own.
        sink.addLine(name, line.success, line.latencyMs, line.ts);
        taken++;
        position = newline + 1;
      }
      this.taken = taken;
      return position;
    },
    flush() {
      names.forEach((_, id) => {
        if (included[id] && wasm.batch(id).samples > 0) flush(id);
      });
    },
  };
}
