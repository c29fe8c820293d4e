import { type FileHandle, open, stat } from 'node:fs/promises';
import { abortableSleep } from './abortable-sleep.js';

const CHUNK = 64 * 1024;

/**
 * The last `count` complete lines of a plain file, read backwards in 64 KB chunks so a 5 GB file
 * costs as much as a small one. A trailing line without its newline (still being written) is left out.
 */
export async function readLastLines(
  file: string,
  count: number,
): Promise<{ lines: string[]; end: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    let position = size;
    let tail = Buffer.alloc(0);
    let end: number | undefined;
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      tail = Buffer.concat([chunk, tail]);
      if (end === undefined) {
        // Leave out a partial last line: the follower prints it once it is complete.
        const lastNewline = tail.lastIndexOf(10);
        if (lastNewline === -1) continue;
        end = position + lastNewline + 1;
        tail = tail.subarray(0, lastNewline + 1);
      }
      if (countNewlines(tail) > count) break;
    }
    if (end === undefined) return { lines: [], end: 0 };
    const lines = tail.toString('utf8').split('\n');
    lines.pop();
    return { lines: lines.slice(-count), end };
  } finally {
    await handle.close();
  }
}

function countNewlines(buffer: Buffer): number {
  let newlines = 0;
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) newlines += 1;
  return newlines;
}

export interface FollowOptions {
  /** Byte offset to start from (usually where readLastLines stopped). */
  from: number;
  intervalMs?: number;
  signal: AbortSignal;
  onLine: (line: string) => void;
  /** Called when the file was rotated (replaced) or truncated. */
  onReset?: (reason: 'rotated' | 'truncated') => void;
}

/**
 * Follows a file like `tail -F`: prints complete lines as they are appended, and when the file
 * is rotated (renamed and recreated) drains the old one, then continues at the start of the new
 * one. Resolves when `signal` aborts.
 */
export async function followFile(file: string, options: FollowOptions): Promise<void> {
  const { signal, onLine, intervalMs = 250 } = options;
  let handle: FileHandle | undefined;
  let inode = -1;
  let offset = options.from;
  let pending = '';
  const buffer = Buffer.alloc(CHUNK);

  const drain = async () => {
    if (!handle) return;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      const text = pending + buffer.toString('utf8', 0, bytesRead);
      const parts = text.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) onLine(line);
    }
  };

  try {
    while (!signal.aborted) {
      const current = await stat(file).catch(() => undefined);
      if (current && current.ino !== inode) {
        if (handle) {
          await drain();
          await handle.close();
          handle = undefined;
          options.onReset?.('rotated');
          offset = 0;
          pending = '';
        }
        handle = await open(file, 'r').catch(() => undefined);
        inode = handle ? current.ino : -1;
      } else if (current && handle && current.size < offset) {
        options.onReset?.('truncated');
        offset = 0;
        pending = '';
      }
      await drain();
      await abortableSleep(intervalMs, signal);
    }
  } finally {
    await handle?.close();
  }
}
