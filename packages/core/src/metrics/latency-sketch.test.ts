import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createLatencySketch,
  type LatencySketch,
  latencySketchFromJSON,
  SKETCH_RELATIVE_ACCURACY,
} from './latency-sketch.js';

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];

/** numpy's default: position (n - 1) * q, interpolated between its neighbours. */
function linearQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const a = sorted[low] as number;
  const b = sorted[Math.min(low + 1, sorted.length - 1)] as number;
  return position === low ? a : a + (b - a) * (position - low);
}

/** The seed's definition: sorted[int(n * q)]. */
function seedQuantile(values: number[], q: number): number {
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
  it('addAll gives exactly what add one by one gives', () => {
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
          expect(batched.count).toBe(single.count);
          expect(batched.rejected).toBe(single.rejected);
          for (const q of QUANTILES) expect(batched.quantile(q)).toBe(single.quantile(q));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is exact, linear by default and the seed formula on request, at any size', () => {
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 9000 }), (values) => {
        const sketch = sketchOf(values);
        expect(sketch.exact).toBe(true);
        for (const q of QUANTILES) {
          expect(sketch.quantile(q)).toBe(linearQuantile(values, q));
          expect(sketch.quantile(q, 'seed')).toBe(seedQuantile(values, q));
        }
      }),
      { numRuns: 100 },
    );
  });

  it(`once approximate, stays within ${SKETCH_RELATIVE_ACCURACY * 100}% of the exact percentile`, () => {
    fc.assert(
      // DDSketch counts values below its smallest bin (~1e-308 ms) as zero.
      fc.property(
        fc.array(
          latency.map((v) => (v < 1e-300 ? 0 : v)),
          { minLength: 1, maxLength: 6000 },
        ),
        (values) => {
          const half = Math.floor(values.length / 2);
          const sketch = sketchOf(values.slice(0, half));
          sketch.approximate();
          for (const value of values.slice(half)) sketch.add(value);
          expect(sketch.exact).toBe(false);
          expect(sketch.count).toBe(values.length);
          for (const q of QUANTILES) {
            const exact = seedQuantile(values, q);
            const estimate = sketch.quantile(q, 'seed') as number;
            expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(
              exact * SKETCH_RELATIVE_ACCURACY * (1 + 1e-9),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('merged equals one pass over all samples, however they are split, exact or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(latency, { maxLength: 3000 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (parts, approximate) => {
          const single = sketchOf(parts.flat());
          const merged = createLatencySketch();
          if (approximate) {
            single.approximate();
            merged.approximate();
          }
          for (const part of parts) merged.merge(latencySketchFromJSON(sketchOf(part).toJSON()));
          expect(merged.count).toBe(single.count);
          expect(merged.exact).toBe(single.exact);
          for (const q of QUANTILES) expect(merged.quantile(q)).toBe(single.quantile(q));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('shares merged samples without letting either side change the other', () => {
    const a = sketchOf([1, 2, 3]);
    const b = sketchOf([10]);
    b.merge(a);
    a.add(100);
    b.add(20);
    expect(a.quantiles([0, 0.5, 1])).toEqual([1, 2.5, 100]);
    expect(b.quantiles([0, 0.5, 1])).toEqual([1, 3, 20]);
  });

  it('merges a sketch whose samples are all 1 ms into one whose samples are all below', () => {
    // @datadog/sketches-js's own DenseStore.merge drops key 0 (1 ms) in this case.
    const below = sketchOf(Array.from({ length: 1500 }, () => 0.5));
    below.approximate();
    const ones = sketchOf(Array.from({ length: 1500 }, () => 1));
    ones.approximate();
    below.merge(ones);
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
    expect(createLatencySketch().quantiles([0.5, 0.9])).toBeUndefined();
  });

  it('survives structured cloning with its buffers transferred (worker threads send it so)', () => {
    const values = Array.from({ length: 3000 }, (_, i) => (i % 97) * 1.7);
    const sketch = sketchOf(values);
    const data = sketch.toJSON();
    const expected = QUANTILES.map((q) => sketch.quantile(q));
    const copy = latencySketchFromJSON(
      structuredClone(data, {
        transfer: (data.values ?? []).map((part) => part.buffer as ArrayBuffer),
      }),
    );
    expect(QUANTILES.map((q) => copy.quantile(q))).toEqual(expected);
  });
});
