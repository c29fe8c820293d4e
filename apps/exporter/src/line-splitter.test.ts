import { describe, expect, it } from 'vitest';
import { createLineSplitter } from './line-splitter.js';

function split(chunks: Buffer[], maxLineBytes = 16) {
  const lines: string[] = [];
  let oversized = 0;
  const splitter = createLineSplitter({
    maxLineBytes,
    onLine: (buf, start, end) => lines.push(buf.toString('utf8', start, end)),
    onOversizedLine: () => oversized++,
  });
  for (const chunk of chunks) splitter.push(chunk);
  return { lines, oversized, pending: splitter.pendingBytes, splitter };
}

/** Cuts `text` into chunks of `size` bytes (a multi-byte character may be cut in two). */
const chunked = (text: string, size: number) => {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
};

describe('createLineSplitter', () => {
  const text = 'alpha\nbéta✓\n\nthis line is far too long\ngamma\npartial';

  it.each([1, 2, 3, 5, 7, 64])(
    'gives the same lines whatever the chunk size (%i bytes)',
    (size) => {
      const { lines, oversized, pending } = split(chunked(text, size));
      expect(lines).toEqual(['alpha', 'béta✓', '', 'gamma']);
      expect(oversized).toBe(1);
      expect(pending).toBe(Buffer.byteLength('partial'));
    },
  );

  it('keeps counting the bytes of an oversized line as pending until its newline', () => {
    const { pending, oversized } = split(chunked('x'.repeat(40), 8));
    expect({ pending, oversized }).toEqual({ pending: 40, oversized: 0 });
  });

  it('forgets a partial line on discardPending, and says whether there was one', () => {
    const { splitter } = split([Buffer.from('abc')]);
    expect(splitter.discardPending()).toBe(true);
    expect(splitter.pendingBytes).toBe(0);
    expect(splitter.discardPending()).toBe(false);
  });
});
