import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonErrorOffset, lineAndColumn } from './json-location.js';

/** JSON texts, some cut short or with a character dropped or added, as a hand-edited file may be. */
const jsonish = fc
  .tuple(
    fc.json({ maxDepth: 3 }),
    fc.nat(),
    fc.constantFrom('cut', 'drop', 'add', 'none'),
    fc.constantFrom(...'{}[]:,"\\ \n0-.etx'.split('')),
  )
  .map(([text, at, edit, ch]) => {
    const i = at % (text.length + 1);
    if (edit === 'cut') return text.slice(0, i);
    if (edit === 'drop') return text.slice(0, i) + text.slice(i + 1);
    if (edit === 'add') return text.slice(0, i) + ch + text.slice(i);
    return text;
  });

describe('findJsonErrorOffset', () => {
  it('finds an error exactly when JSON.parse rejects the text', () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        const offset = findJsonErrorOffset(text);
        if (offset === undefined) expect(() => JSON.parse(text)).not.toThrow();
        else {
          expect(() => JSON.parse(text)).toThrow(SyntaxError);
          expect(offset).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['a trailing comma in an object', '{"a": 1,}', 8],
    ['a trailing comma in an array', '[1, 2,]', 6],
    ['a missing colon', '{"a" 1}', 5],
    ['an unclosed array', '[1, [2]', 7],
    ['text after the value', '{} x', 3],
  ])('points at the first character that cannot continue the text (%s)', (_, text, offset) => {
    expect(findJsonErrorOffset(text)).toBe(offset);
  });
});

describe('lineAndColumn', () => {
  it('counts lines and columns from 1', () => {
    expect(lineAndColumn('{\n  "a": x\n}', 9)).toEqual({ line: 2, column: 8 });
  });
});
