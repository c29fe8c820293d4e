import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { ACTION_MAX_LENGTH, INSTANCE_MAX_LENGTH, TRACE_ID_MAX_LENGTH } from '../telemetry/event.js';
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
  regionStart(): number;
  configure(actionMaxLength: number, traceIdMaxLength: number, instanceMaxLength: number): void;
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

/** Whether the environment asks for the JavaScript path: EVENTKIT_WASM=0 (or false, off). */
export function wasmDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.EVENTKIT_WASM?.trim().toLowerCase();
  return value === '0' || value === 'false' || value === 'off';
}

/** The kernel in `file` compiled, or undefined when it is missing or does not compile. */
export function loadWriterLinesModule(file: URL = WASM_FILE): WasmModule | undefined {
  try {
    return new Module(readFileSync(file));
  } catch {
    return undefined;
  }
}

/** Compiled once per thread; null when it could not be. */
let compiled: WasmModule | null | undefined;

/**
 * wasm/writer-line.wasm compiled (once per thread), or undefined when EVENTKIT_WASM=0 or when
 * the file is missing (core not built) or does not compile: the caller then takes the
 * JavaScript path, which gives the same results. Worker threads can be sent the module, and
 * then share its code (optimised code included) instead of compiling their own.
 */
export function writerLinesModule(): WasmModule | undefined {
  if (wasmDisabled()) return undefined;
  if (compiled === undefined) compiled = loadWriterLinesModule() ?? null;
  return compiled ?? undefined;
}

/** Throws when the module cannot be instantiated or does not match this code. */
export function createWasmWriterLines(module: WasmModule): WasmWriterLines {
  const instance = new Instance(module, {
    env: {
      abort: () => {
        throw new Error('writer-line.wasm aborted');
      },
    },
  });
  const wasm = instance.exports as unknown as WriterLineExports;
  if (
    typeof wasm.configure !== 'function' ||
    // A kernel built before lines carried an instance takes two limits, and rejects such lines.
    wasm.configure.length !== 3 ||
    typeof wasm.regionStart !== 'function' ||
    wasm.STOP?.value !== SCAN_STOPPED ||
    wasm.NEW_ACTION?.value !== SCAN_NEW_ACTION ||
    wasm.BATCH_FULL?.value !== SCAN_BATCH_FULL
  ) {
    throw new Error('wasm/writer-line.wasm does not match this version of @eventkit/core');
  }
  wasm.configure(ACTION_MAX_LENGTH, TRACE_ID_MAX_LENGTH, INSTANCE_MAX_LENGTH);
  // Offsets in the module's region; the framer's buffer is its first inputBytes() bytes, so line
  // positions are the same numbers on both sides.
  const memory = wasm.memory.buffer;
  const region = wasm.regionStart();
  const buffer = Buffer.from(memory, region, wasm.inputBytes());
  const results = region + wasm.resultOffset();
  const numbers = new Float64Array(memory, results, 2);
  // action start, action end, success, high, newline, taken, next, batch id, instance start, end
  const fields = new Int32Array(memory, results + 16, 10);
  const recordInts = new Int32Array(memory, region + wasm.actionsOffset());
  const recordDoubles = new Float64Array(memory, region + wasm.actionsOffset());
  const latencies = region + wasm.latenciesOffset();
  const batchSize = wasm.batchSize();

  function lineFields(out: ScannedLine): void {
    out.ts = numbers[0] as number;
    out.latencyMs = numbers[1] as number;
    out.actionStart = fields[0] as number;
    out.actionEnd = fields[1] as number;
    out.success = fields[2] === 1;
    out.instanceStart = fields[8] as number;
    out.instanceEnd = fields[9] as number;
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
