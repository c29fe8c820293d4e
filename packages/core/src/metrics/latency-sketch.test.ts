import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createLatencySketch,
  EXACT_SAMPLE_LIMIT,
  type LatencySketch,
  latencySketchFromJSON,
  SKETCH_RELATIVE_ACCURACY,
} from './latency-sketch.js';

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];

/** The seed's definition: sorted[int(n * q)]. */
function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(Math.floor(sorted.length * q), sorted.length - 1)] as number;
}

function sketchOf(values: number[]): LatencySketch {
  const sketch = createLatencySketch();
  for (const value of values) sketch.add(value);
  return sketch;
}

/** Latencies as they occur: 0, sub-millisecond, 1 ms exactly (DDSketch key 0), a long tail. */
const latency = fc.oneof(
  fc.constantFrom(0, 1, 0.001, 12.5),
  fc.double({ min: 0.001, max: 100, noNaN: true }),
  fc.double({ min: 0, max: 600_000, noNaN: true }),
  fc.integer({ min: 0, max: 5_000_000 }).map((n) => n / 1000),
);

describe('createLatencySketch', () => {
  it('addAll gives exactly what add one by one gives, across the exact/sketch switch', () => {
    const sample = fc.oneof(latency, fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY));
    fc.assert(
      fc.property(
        fc.array(fc.array(sample, { maxLength: 700 }), { maxLength: 6 }),
        fc.array(sample, { maxLength: 5 }),
        (chunks, before) => {
          const single = sketchOf(before);
          const batched = sketchOf(before);
          for (const chunk of chunks) {
            for (const value of chunk) single.add(value);
            // Extra slots past n must be ignored.
            batched.addAll(Float64Array.from([...chunk, 42]), chunk.length);
          }
          expect(batched.toJSON()).toEqual(single.toJSON());
          for (const q of QUANTILES) expect(batched.quantile(q)).toBe(single.quantile(q));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is exact up to EXACT_SAMPLE_LIMIT samples', () => {
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: EXACT_SAMPLE_LIMIT }), (values) => {
        const sketch = sketchOf(values);
        expect(sketch.exact).toBe(true);
        for (const q of QUANTILES) expect(sketch.quantile(q)).toBe(exactQuantile(values, q));
      }),
      { numRuns: 200 },
    );
  });

  it(`stays within ${SKETCH_RELATIVE_ACCURACY * 100}% of the exact percentile beyond that`, () => {
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: EXACT_SAMPLE_LIMIT + 1, maxLength: 6000 }),
        (values) => {
          const sketch = sketchOf(values);
          expect(sketch.exact).toBe(false);
          for (const q of QUANTILES) {
            const exact = exactQuantile(values, q);
            const estimate = sketch.quantile(q) as number;
            expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(
              exact * SKETCH_RELATIVE_ACCURACY * (1 + 1e-9),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('merged equals one pass over all samples, however they are split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(latency, { maxLength: 900 }), { minLength: 1, maxLength: 5 }),
        (parts) => {
          const single = sketchOf(parts.flat());
          const merged = createLatencySketch();
          for (const part of parts) merged.merge(latencySketchFromJSON(sketchOf(part).toJSON()));
          expect(merged.count).toBe(single.count);
          expect(merged.exact).toBe(single.exact);
          for (const q of QUANTILES) expect(merged.quantile(q)).toBe(single.quantile(q));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('merges a sketch whose samples are all 1 ms into one whose samples are all below', () => {
    // @datadog/sketches-js's own DenseStore.merge drops key 0 (1 ms) in this case.
    const below = sketchOf(Array.from({ length: 1500 }, () => 0.5));
    below.merge(sketchOf(Array.from({ length: 1500 }, () => 1)));
    expect(below.quantile(0.9)).toBeCloseTo(1, 1);
    expect(below.count).toBe(3000);
  });

  it.each([
    ['negative', -1],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('skips and counts a %s sample instead of throwing', (_name, value) => {
    const sketch = sketchOf([5]);
    expect(sketch.add(value)).toBe(false);
    expect(sketch.rejected).toBe(1);
    expect(sketch.count).toBe(1);
    expect(sketch.quantile(0.99)).toBe(5);
  });

  it('has no percentile when empty', () => {
    expect(createLatencySketch().quantile(0.5)).toBeUndefined();
  });

  it('survives a JSON round trip (worker threads send it this way)', () => {
    const values = Array.from({ length: 3000 }, (_, i) => (i % 97) * 1.7);
    const sketch = sketchOf(values);
    const copy = latencySketchFromJSON(JSON.parse(JSON.stringify(sketch.toJSON())));
    for (const q of QUANTILES) expect(copy.quantile(q)).toBe(sketch.quantile(q));
  });
});
