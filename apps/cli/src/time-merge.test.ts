import { describe, expect, it } from 'vitest';
import { createTimeMerge } from './time-merge.js';

function merge(sources: number, reorderMs = 1000) {
  const printed: string[] = [];
  const m = createTimeMerge<string>({ emit: (item) => printed.push(item), reorderMs, sources });
  return { m, printed };
}

describe('createTimeMerge', () => {
  it('prints a line once every file has shown one at least as new, in time order', () => {
    const { m, printed } = merge(2);
    m.add(0, 10, 'a10', 0);
    m.add(0, 30, 'a30', 0);
    m.release(0);
    expect(printed).toEqual([]); // file 1 has shown nothing yet: a20 may still come
    m.add(1, 20, 'b20', 5);
    m.release(5);
    expect(printed).toEqual(['a10', 'b20']);
    m.add(1, 40, 'b40', 10);
    m.release(10);
    expect(printed).toEqual(['a10', 'b20', 'a30']);
    expect(m.held).toBe(1);
  });

  it('prints a line that waited reorderMs, with every older line, even while a file stays idle', () => {
    const { m, printed } = merge(2, 100);
    m.add(0, 10, 'a10', 0);
    m.add(0, 12, 'a12', 60);
    m.release(99);
    expect(printed).toEqual([]);
    m.release(100);
    expect(printed).toEqual(['a10']);
    m.release(160);
    expect(printed).toEqual(['a10', 'a12']);
  });

  it('keeps read order between lines of the same time', () => {
    const { m, printed } = merge(2);
    m.add(1, 5, 'b5', 0);
    m.add(0, 5, 'a5', 0);
    m.add(0, 6, 'a6', 0);
    m.add(1, 6, 'b6', 0);
    m.release(0);
    expect(printed).toEqual(['b5', 'a5', 'a6', 'b6']);
  });

  it('prints the newest n lines across files with releaseLast, oldest first', () => {
    const { m, printed } = merge(3);
    for (const ts of [1, 4, 7]) m.add(0, ts, `a${ts}`, 0);
    for (const ts of [2, 5, 8]) m.add(1, ts, `b${ts}`, 0);
    for (const ts of [3, 6, 9]) m.add(2, ts, `c${ts}`, 0);
    m.releaseLast(4);
    expect(printed).toEqual(['c6', 'a7', 'b8', 'c9']);
    expect(m.held).toBe(0);
  });

  it('waits for a file added later too, and drains everything held in time order', () => {
    const { m, printed } = merge(1);
    m.add(0, 3, 'a3', 0);
    const late = m.addSource();
    m.release(0);
    expect(printed).toEqual([]);
    m.add(late, 1, 'b1', 0);
    m.add(0, 2, 'a2', 0);
    m.drain();
    expect(printed).toEqual(['b1', 'a2', 'a3']);
  });
});
