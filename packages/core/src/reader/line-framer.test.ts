import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineFramer, type LineShortcut, MAX_LINE_BYTES } from './line-framer.js';

/** A shortcut that takes the complete lines starting with "a" (and records them). */
function takeLinesStartingWithA(taken: string[]): LineShortcut {
  return {
    taken: 0,
    take(buf, start, limit) {
      let position = start;
      this.taken = 0;
      while (position < limit && buf[position] === 0x61) {
        const newline = buf.subarray(0, limit).indexOf(0x0a, position);
        if (newline < 0) break;
        taken.push(buf.toString('latin1', position, newline));
        this.taken++;
        position = newline + 1;
      }
      return position;
    },
  };
}

function frame(chunks: Buffer[], atFileStart = false, shortcut?: LineShortcut) {
  const lines: { text: string; line: number; terminated: boolean }[] = [];
  const tooLong: number[] = [];
  const framer = createLineFramer({
    atFileStart,
    shortcut,
    onLine: (buf, start, end, line, terminated) =>
      lines.push({ text: buf.toString('latin1', start, end), line, terminated }),
    onTooLong: (line) => tooLong.push(line),
  });
  for (const chunk of chunks) framer.push(chunk);
  framer.end();
  return { lines, tooLong, count: framer.lines };
}

/** Cuts `bytes` into chunks at the given points (taken modulo its length + 1, in any order). */
function cutAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

describe('createLineFramer', () => {
  it('yields the same lines however the input is chunked', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '\n', '{', '"'), maxLength: 200 }),
        fc.array(fc.nat({ max: 200 }), { maxLength: 10 }),
        (text, cuts) => {
          const chunks = cutAt(Buffer.from(text, 'latin1'), cuts);
          const parts = text.split('\n');
          const last = parts.pop() as string;
          const expected = parts.map((part, i) => ({ text: part, line: i + 1, terminated: true }));
          if (last !== '') expected.push({ text: last, line: parts.length + 1, terminated: false });
          expect(frame(chunks).lines).toEqual(expected);
        },
      ),
    );
  });

  it('with a shortcut, hands the other lines to onLine with the same numbers, however chunked', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '\n', '\uFEFF'), maxLength: 200 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 10 }),
        fc.boolean(),
        (text, cuts, atFileStart) => {
          const chunks = cutAt(Buffer.from(text, 'utf8'), cuts);
          const plain = frame(chunks, atFileStart);
          const taken: string[] = [];
          const shortcut = frame(chunks, atFileStart, takeLinesStartingWithA(taken));
          const isTaken = (l: { text: string; line: number; terminated: boolean }) =>
            l.terminated && l.text.startsWith('a') && !(atFileStart && l.line === 1);
          expect(shortcut.lines).toEqual(plain.lines.filter((l) => !isTaken(l)));
          expect(taken).toEqual(plain.lines.filter(isTaken).map((l) => l.text));
          expect(shortcut.count).toBe(plain.count);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('strips a byte order mark only at the start of a file', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const input = Buffer.concat([bom, Buffer.from('a\n'), bom, Buffer.from('b\n')]);
    expect(frame([input], true).lines.map((l) => l.text)).toEqual(['a', '\xef\xbb\xbfb']);
    expect(frame([input], false).lines[0]?.text).toBe('\xef\xbb\xbfa');
  });

  it.each([
    ['in one chunk', 1],
    ['in small chunks', 64 * 1024],
  ])('skips lines over MAX_LINE_BYTES %s, counting them', (_name, pieces) => {
    const long = Buffer.alloc(MAX_LINE_BYTES + 10, 0x78);
    const input = Buffer.concat([Buffer.from('a\n'), long, Buffer.from('\nb\n'), long]);
    const size = pieces === 1 ? input.length : pieces;
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
    const { lines, tooLong, count } = frame(chunks);
    expect(lines.map((l) => [l.line, l.text])).toEqual([
      [1, 'a'],
      [3, 'b'],
    ]);
    expect(tooLong).toEqual([2, 4]);
    expect(count).toBe(4);
  });

  it('restart() begins another stream: lines counted from 1, nothing carried over', () => {
    const lines: [number, string][] = [];
    const tooLong: number[] = [];
    const framer = createLineFramer({
      onLine: (buf, start, end, line) => lines.push([line, buf.toString('latin1', start, end)]),
      onTooLong: (line) => tooLong.push(line),
    });
    framer.push(Buffer.from('a\nunfinished'));
    framer.restart(true);
    expect(framer.pending).toBe(0);
    framer.push(Buffer.from('\ufeffb\nc\n'));
    framer.push(Buffer.alloc(MAX_LINE_BYTES + 1, 0x78));
    framer.restart(false);
    framer.push(Buffer.from('\ufeffd\n'));
    framer.end();
    expect(lines).toEqual([
      [1, 'a'],
      [1, 'b'],
      [2, 'c'],
      [1, '\xef\xbb\xbfd'],
    ]);
    expect(tooLong).toEqual([3]);
    expect(framer.lines).toBe(1);
  });
});
