import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactPercentiles, percentileRanks, valuesAtRanks } from './percentile.js';

/** numpy's default (`np.percentile`, linear) and the seed's `sorted[int(n*q)]`, by sorting. */
function reference(values: number[], q: number, method: 'linear' | 'seed'): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (method === 'seed') return sorted[Math.min(Math.floor(n * q), n - 1)] as number;
  const position = (n - 1) * q;
  const low = Math.floor(position);
  const high = Math.min(low + 1, n - 1);
  const a = sorted[low] as number;
  return a + ((sorted[high] as number) - a) * (position - low);
}

/** Splits values into parts of assorted sizes, as chunks of a sketch would be. */
function partsOf(values: number[], sizes: number[]): Float64Array[] {
  const parts: Float64Array[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= values.length) break;
    parts.push(Float64Array.from(values.slice(at, at + size)));
    at += size;
  }
  if (at < values.length) parts.push(Float64Array.from(values.slice(at)));
  return parts;
}

const latency = fc.oneof(
  fc.constantFrom(0, 1, 0.001, 12.5, 12.5, 12.5),
  fc.double({ min: 0, max: 100, noNaN: true }),
  fc.double({ min: 0, max: 600_000, noNaN: true }),
  fc.integer({ min: 0, max: 5_000_000 }).map((n) => n / 1000),
);

describe('percentiles', () => {
  // Written out from numpy 1.26 (`np.percentile(a, [50, 95, 99])`) and the seed's formula.
  it.each([
    [
      [15, 20, 35, 40, 50],
      [35, 48, 49.6],
      [35, 50, 50],
    ],
    [
      [1, 2, 3, 4],
      [2.5, 3.85, 3.97],
      [3, 4, 4],
    ],
    [[7.5], [7.5, 7.5, 7.5], [7.5, 7.5, 7.5]],
    [
      [0.25, 0.5, 1000, 3, 2, 2, 11.5, 0],
      [2, 654.025, 930.805],
      [2, 1000, 1000],
    ],
  ])('of %j: linear (numpy) %j, seed %j', (values, linear, seed) => {
    const parts = [Float64Array.from(values)];
    const got = exactPercentiles(parts, values.length, [0.5, 0.95, 0.99], 'linear');
    expect(got).toEqual(linear.map((value) => expect.closeTo(value, 9)));
    expect(exactPercentiles(parts, values.length, [0.5, 0.95, 0.99], 'seed')).toEqual(seed);
  });

  it('reads the seed formula as Python does: int(n * q), clamped to the last sample', () => {
    expect(percentileRanks(20, 0.95, 'seed')).toEqual({ low: 19, high: 19, weight: 0 });
    expect(percentileRanks(200_000, 0.99, 'seed').low).toBe(198_000);
    expect(percentileRanks(3, 1, 'seed').low).toBe(2);
  });

  it('lands exactly on a sample when (n - 1) * q is whole (no interpolation error)', () => {
    const values = Array.from({ length: 101 }, (_, i) => i * 0.1);
    const [p50, p95] = exactPercentiles([Float64Array.from(values)], 101, [0.5, 0.95], 'linear');
    expect(p50).toBe(values[50]);
    expect(p95).toBe(values[95]);
  });

  it('equal a sort of every sample, over many parts, whatever the distribution', () => {
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: 1, maxLength: 12_000 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 6 }),
        (values, sizes) => {
          const parts = partsOf(values, sizes);
          const qs = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];
          for (const method of ['linear', 'seed'] as const) {
            const got = exactPercentiles(parts, values.length, qs, method);
            expect(got).toEqual(qs.map((q) => reference(values, q, method)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('find ranks in heavy ties and across a wide range without changing the samples', () => {
    const values = [
      ...Array.from({ length: 30_000 }, () => 8),
      ...Array.from({ length: 5000 }, (_, i) => i / 7),
      ...Array.from({ length: 100 }, (_, i) => 1e6 + i),
      ...Array.from({ length: 50 }, () => 0),
    ];
    const parts = partsOf(values, [4096, 8192, 16384]);
    const before = parts.map((part) => Float64Array.from(part));
    const sorted = [...values].sort((a, b) => a - b);
    const ranks = [0, 49, 50, 17_000, 35_000, 35_149, 35_049];
    expect(valuesAtRanks(parts, values.length, ranks)).toEqual(ranks.map((r) => sorted[r]));
    expect(parts).toEqual(before);
  });
});
