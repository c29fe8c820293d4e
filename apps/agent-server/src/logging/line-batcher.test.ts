import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLineBatcher } from './line-batcher.js';

describe('createLineBatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands the lines of one event-loop turn over as one chunk', async () => {
    const chunks: string[] = [];
    const batcher = createLineBatcher((chunk) => chunks.push(chunk));
    batcher.add('a\n');
    batcher.add('b\n');
    expect(chunks).toEqual([]);
    await new Promise((turn) => setImmediate(turn));
    expect(chunks).toEqual(['a\nb\n']);
  });

  it('waits batchMs before handing over', () => {
    vi.useFakeTimers();
    const chunks: string[] = [];
    const batcher = createLineBatcher((chunk) => chunks.push(chunk), 10);
    batcher.add('a\n');
    vi.advanceTimersByTime(9);
    expect(chunks).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(chunks).toEqual(['a\n']);
  });

  it('flush delivers at once, cancels the pending hand-over and skips empty batches', () => {
    vi.useFakeTimers();
    const chunks: string[] = [];
    const batcher = createLineBatcher((chunk) => chunks.push(chunk), 10);
    batcher.add('a\n');
    batcher.flush();
    batcher.flush();
    vi.advanceTimersByTime(20);
    expect(chunks).toEqual(['a\n']);
  });
});
