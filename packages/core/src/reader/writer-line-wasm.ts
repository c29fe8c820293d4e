import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { ScannedLine } from './line-scanner.js';

const WASM_FILE = new URL('../../wasm/writer-line.wasm', import.meta.url);

interface WriterLineExports {
  memory: WebAssembly.Memory;
  scanWriterLine(start: number, limit: number): number;
  inputBytes(): number;
  resultOffset(): number;
}

/** `scanWriterLine` in WebAssembly, over the buffer it owns. */
export interface WasmWriterLine {
  /** Where the lines must be (a framer's working buffer): the scanner sees only this memory. */
  buffer: Buffer;
  /**
   * scanWriterLine(buffer, start, limit, out) for lines in `buffer`: returns the newline's index
   * with the fields in `out`, or -1 (also for numbers that need a decimal conversion, which the
   * JavaScript scanner would take).
   */
  scan(start: number, limit: number, out: ScannedLine): number;
}

/**
 * An instance of wasm/writer-line.wasm (assembly/writer-line.ts), with its own memory: the
 * summary's writer-layout shortcut at about 1.5 times the speed of the JavaScript one and without
 * its JIT warm-up, which matters in every worker thread. Throws when the module is missing.
 */
export function createWasmWriterLine(): WasmWriterLine {
  const module = new WebAssembly.Module(readFileSync(WASM_FILE));
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort: () => {
        throw new Error('writer-line.wasm aborted');
      },
    },
  });
  const wasm = instance.exports as unknown as WriterLineExports;
  const memory = wasm.memory.buffer;
  const buffer = Buffer.from(memory, 0, wasm.inputBytes());
  const results = wasm.resultOffset();
  const numbers = new Float64Array(memory, results, 2);
  const fields = new Int32Array(memory, results + 16, 4);
  const scanLine = wasm.scanWriterLine;
  return {
    buffer,
    scan(start, limit, out) {
      const newline = scanLine(start, limit);
      if (newline < 0) return -1;
      if (fields[3] !== 0 && !isUtf8(buffer.subarray(start, newline))) return -1;
      out.ts = numbers[0] as number;
      out.latencyMs = numbers[1] as number;
      out.actionStart = fields[0] as number;
      out.actionEnd = fields[1] as number;
      out.success = fields[2] === 1;
      return newline;
    },
  };
}
