import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { ScannedLine } from './line-scanner.js';

const WASM_FILE = new URL('../../wasm/writer-line.wasm', import.meta.url);

/** A compiled WebAssembly.Module: it can be sent to worker threads, which then share its code. */
export type WasmModule = object;

// The part of the WebAssembly API used here: a Node global that @types/node 20 does not declare.
const { Module, Instance } = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => WasmModule;
      Instance: new (module: WasmModule, imports: object) => { exports: unknown };
    };
  }
).WebAssembly;

/** Why `scanLines` stopped (the module's STOP, NEW_ACTION and BATCH_FULL). */
export const SCAN_STOPPED = 0;
export const SCAN_NEW_ACTION = 1;
export const SCAN_BATCH_FULL = 2;

interface WriterLineExports {
  memory: { buffer: ArrayBuffer };
  STOP: { value: number };
  NEW_ACTION: { value: number };
  BATCH_FULL: { value: number };
  scanWriterLine(start: number, limit: number): number;
  reset(since: number, until: number, maxLineBytes: number): void;
  addAction(start: number, end: number, included: boolean): number;
  resetBatch(id: number): void;
  scanLines(start: number, limit: number): number;
  inputBytes(): number;
  resultOffset(): number;
  actionsOffset(): number;
  latenciesOffset(): number;
  batchSize(): number;
}

/** One action's samples gathered by `scanLines` since its last `resetBatch`. */
export interface WasmBatch {
  /** Latencies in [0, samples): a view of the module's memory, valid until the next scan. */
  latencies: Float64Array;
  samples: number;
  failed: number;
  minTs: number;
  maxTs: number;
}

/**
 * wasm/writer-line.wasm (assembly/writer-line.ts): our writer's lines scanned in WebAssembly,
 * over the memory it owns.
 */
export interface WasmWriterLines {
  /** Where the lines must be (a framer's working buffer): the module sees only its memory. */
  buffer: Buffer;
  /**
   * scanWriterLine(buffer, start, limit, out) for one line of `buffer`: the newline's index with
   * the fields in `out`, or -1 (also for numbers that need a decimal conversion, which the
   * JavaScript scanner takes).
   */
  scan(start: number, limit: number, out: ScannedLine): number;
  /** Empties the action table; scanLines keeps samples with ts in [since, until). */
  reset(since: number, until: number, maxLineBytes: number): void;
  /**
   * Takes lines from `start` on into per-action batches (see assembly/writer-line.ts): returns
   * SCAN_STOPPED, SCAN_NEW_ACTION (the line's fields in `lastLine`) or SCAN_BATCH_FULL (flush
   * `batchId`), with `taken` and `next` set.
   */
  scanLines(start: number, limit: number): number;
  readonly taken: number;
  readonly next: number;
  readonly batchId: number;
  /** The line scanLines stopped at with SCAN_NEW_ACTION: its fields, and its newline's index. */
  lastLine(out: ScannedLine): number;
  /** Adds an action (bytes of `buffer`) to the table: its id, or -1 when the table is full. */
  addAction(start: number, end: number, included: boolean): number;
  batch(id: number): WasmBatch;
  resetBatch(id: number): void;
}

let compiled: WasmModule | undefined;

/**
 * wasm/writer-line.wasm compiled (once per thread). Worker threads can be sent it, and then
 * share its code (optimised code included) instead of compiling their own.
 */
export function writerLinesModule(): WasmModule {
  compiled ??= new Module(readFileSync(WASM_FILE));
  return compiled;
}

/** Throws when wasm/writer-line.wasm is missing or does not match this code. */
export function createWasmWriterLines(module: WasmModule = writerLinesModule()): WasmWriterLines {
  const instance = new Instance(module, {
    env: {
      abort: () => {
        throw new Error('writer-line.wasm aborted');
      },
    },
  });
  const wasm = instance.exports as unknown as WriterLineExports;
  if (
    wasm.STOP.value !== SCAN_STOPPED ||
    wasm.NEW_ACTION.value !== SCAN_NEW_ACTION ||
    wasm.BATCH_FULL.value !== SCAN_BATCH_FULL
  ) {
    throw new Error('wasm/writer-line.wasm does not match this version of @eventkit/core');
  }
  const memory = wasm.memory.buffer;
  const buffer = Buffer.from(memory, 0, wasm.inputBytes());
  const results = wasm.resultOffset();
  const numbers = new Float64Array(memory, results, 2);
  // action start, action end, success, high, newline, taken, next, batch id
  const fields = new Int32Array(memory, results + 16, 8);
  const recordInts = new Int32Array(memory, wasm.actionsOffset());
  const recordDoubles = new Float64Array(memory, wasm.actionsOffset());
  const latencies = wasm.latenciesOffset();
  const batchSize = wasm.batchSize();

  function lineFields(out: ScannedLine): void {
    out.ts = numbers[0] as number;
    out.latencyMs = numbers[1] as number;
    out.actionStart = fields[0] as number;
    out.actionEnd = fields[1] as number;
    out.success = fields[2] === 1;
  }

  return {
    buffer,
    scan(start, limit, out) {
      const newline = wasm.scanWriterLine(start, limit);
      if (newline < 0) return -1;
      if (fields[3] !== 0 && !isUtf8(buffer.subarray(start, newline))) return -1;
      lineFields(out);
      return newline;
    },
    reset: (since, until, maxLineBytes) => wasm.reset(since, until, maxLineBytes),
    scanLines: (start, limit) => wasm.scanLines(start, limit),
    get taken() {
      return fields[5] as number;
    },
    get next() {
      return fields[6] as number;
    },
    get batchId() {
      return fields[7] as number;
    },
    lastLine(out) {
      lineFields(out);
      return fields[4] as number;
    },
    addAction: (start, end, included) => wasm.addAction(start, end, included),
    batch(id) {
      const samples = recordInts[id * 8] as number;
      return {
        latencies: new Float64Array(memory, latencies + id * batchSize * 8, samples),
        samples,
        failed: recordInts[id * 8 + 1] as number,
        minTs: recordDoubles[id * 4 + 2] as number,
        maxTs: recordDoubles[id * 4 + 3] as number,
      };
    },
    resetBatch: (id) => wasm.resetBatch(id),
  };
}
