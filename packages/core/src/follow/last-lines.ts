import type { FileHandle } from 'node:fs/promises';

/**
 * Offset at which the last `count` complete lines of the first `size` bytes begin (0 when there
 * are fewer); a partial last line is not counted, and so is read once its newline arrives.
 */
export async function startOfLastLines(
  handle: FileHandle,
  size: number,
  count: number,
): Promise<number> {
  // The newline ending the last complete line, then one more before each line wanted.
  let newlines = count + 1;
  const window = Buffer.allocUnsafe(64 * 1024);
  let end = size;
  while (end > 0) {
    const length = Math.min(window.length, end);
    const start = end - length;
    const { bytesRead } = await handle.read(window, 0, length, start);
    const view = window.subarray(0, bytesRead);
    for (let i = view.length; i > 0; ) {
      i = view.lastIndexOf(0x0a, i - 1);
      if (i === -1) break;
      if (--newlines === 0) return start + i + 1;
    }
    end = start;
  }
  return 0;
}
