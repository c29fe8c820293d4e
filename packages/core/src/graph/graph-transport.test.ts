import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './graph-transport.js';

const NOW = new Date('2026-03-15T08:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7000],
    [' 0 ', 0],
    ['Sun, 15 Mar 2026 08:00:30 GMT', 30_000],
    ['Sun, 15 Mar 2026 07:59:00 GMT', 0],
  ])('reads %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each([null, 'soon', '-3', '1.5'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});
