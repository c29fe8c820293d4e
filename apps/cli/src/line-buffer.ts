import type { CliOutput } from './context.js';

const FLUSH_AT = 64 * 1024;

/** Batches output lines into 64 KB writes: one syscall per line would dominate big queries. */
export function createLineBuffer(output: CliOutput): { push(line: string): void; flush(): void } {
  let pending = '';
  return {
    push(line) {
      pending += line;
      if (pending.length >= FLUSH_AT) {
        output.write(pending);
        pending = '';
      }
    },
    flush() {
      if (pending !== '') output.write(pending);
      pending = '';
    },
  };
}
