import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../reader/line-framer.js';
import { createLineFeed } from './line-feed.js';
import { collectLines } from './test-support/collect-lines.js';

function feed(maxLineBytes = MAX_LINE_BYTES) {
  const { lines, dropped, onLine, onDroppedLine } = collectLines();
  const lineFeed = createLineFeed({ maxLineBytes, onLine, onDroppedLine });
  return { lineFeed, lines, dropped };
}

/** Cuts `bytes` into chunks of `size` bytes (a multi-byte character may be cut in two). */
function* chunked(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('createLineFeed', () => {
  const text = Buffer.from('alpha\nbéta✓\n\nthis line is far too long\ngamma\npartial');

  it.each([1, 2, 3, 5, 7, 64])(
    'gives the same lines whatever the chunk size (%i bytes)',
    (size) => {
      const { lineFeed, lines, dropped } = feed(16);
      for (const chunk of chunked(text, size)) lineFeed.push(chunk);
      expect(lines).toEqual(['alpha', 'béta✓', '', 'gamma']);
      expect(dropped).toEqual(['too-long']);
      expect(lineFeed.pendingBytes).toBe(Buffer.byteLength('partial'));
    },
  );

  it('takes reads straight into its space as well as copied chunks', () => {
    const { lineFeed, lines } = feed();
    const bytes = Buffer.from('one\ntw');
    bytes.copy(lineFeed.space());
    lineFeed.commit(bytes.length);
    lineFeed.push(Buffer.from('o\n'));
    expect(lines).toEqual(['one', 'two']);
    expect(lineFeed.pendingBytes).toBe(0);
  });

  it('counts an oversized line as pending until its newline, and drops it then', () => {
    const { lineFeed, dropped } = feed();
    for (const chunk of chunked(Buffer.alloc(MAX_LINE_BYTES + 100, 'x'), 64 * 1024)) {
      lineFeed.push(chunk);
    }
    expect({ pending: lineFeed.pendingBytes, dropped }).toEqual({
      pending: MAX_LINE_BYTES + 100,
      dropped: [],
    });
    lineFeed.push(Buffer.from('\n'));
    expect({ pending: lineFeed.pendingBytes, dropped }).toEqual({
      pending: 0,
      dropped: ['too-long'],
    });
  });

  it.each([
    ['a partial line', Buffer.from('abc'), 'unterminated'],
    ['an oversized line', Buffer.alloc(MAX_LINE_BYTES + 1, 'x'), 'too-long'],
  ])('drops %s left over when it restarts on another file', (_, bytes, reason) => {
    const { lineFeed, lines, dropped } = feed();
    lineFeed.push(bytes);
    lineFeed.restart(true);
    lineFeed.push(Buffer.from('next\n'));
    expect({ lines, dropped, pending: lineFeed.pendingBytes }).toEqual({
      lines: ['next'],
      dropped: [reason],
      pending: 0,
    });
  });
});
