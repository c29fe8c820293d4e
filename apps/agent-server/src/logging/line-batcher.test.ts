import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLineBatcher } from './line-batcher.js';

/** A batcher and the chunks it has handed over so far. */
function batcher(batchMs?: number) {
  const chunks: string[] = [];
  return { chunks, lines: createLineBatcher((chunk) => chunks.push(chunk), batchMs) };
}

describe('createLineBatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands the lines of one event-loop turn over as one chunk', async () => {
    const { chunks, lines } = batcher();
    lines.add('a\n');
    lines.add('b\n');
    expect(chunks).toEqual([]);
    await new Promise((turn) => setImmediate(turn));
    expect(chunks).toEqual(['a\nb\n']);
  });

  it('waits batchMs before handing over', () => {
    vi.useFakeTimers();
    const { chunks, lines } = batcher(10);
    lines.add('a\n');
    vi.advanceTimersByTime(9);
    expect(chunks).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(chunks).toEqual(['a\n']);
  });

  it('flush delivers at once, cancels the pending hand-over and skips empty batches', () => {
    vi.useFakeTimers();
    const { chunks, lines } = batcher(10);
    lines.add('a\n');
    lines.flush();
    lines.flush();
    vi.advanceTimersByTime(20);
    expect(chunks).toEqual(['a\n']);
  });
});
