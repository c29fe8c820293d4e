import { describe, expect, it } from 'vitest';
import { sparkline } from './sparkline.js';

describe('sparkline', () => {
  it.each([
    [[0, 1, 2, 3, 4, 5, 6, 7], '▁▂▃▄▅▆▇█'],
    [[0, 0, 0], '▁▁▁'],
    [[5, 10], '▅█'],
    [[], ''],
  ])('draws %j as %s', (values, expected) => {
    expect(sparkline(values)).toBe(expected);
  });
});
