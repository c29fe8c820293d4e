import { loadWriterLinesModule } from '../../reader/writer-line-wasm.js';

/**
 * The two ways a summary decodes our writer's lines (the `accelerate` option): summary tests run
 * with each and expect the same results.
 */
export const DECODING_MODES = [
  ['the WebAssembly kernel', true],
  ['JavaScript only', false],
] as const;

/**
 * Whether wasm/writer-line.wasm is built. Without a build the kernel mode falls back to
 * JavaScript; CI builds before it tests, and the kernel's own tests fail there without it.
 */
export const KERNEL_BUILT = loadWriterLinesModule() !== undefined;
