import sketches from '@datadog/sketches-js';
import {
  exactPercentiles,
  interpolate,
  type PercentileMethod,
  percentileRanks,
} from './percentile.js';

const { DDSketch } = sketches;
type DDSketchInstance = InstanceType<typeof DDSketch>;

/** Once approximate, a percentile is within this relative error of the exact one. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/** The first chunk of samples; each next one holds as many as all before it, up to the largest. */
const FIRST_CHUNK = 256;
const LARGEST_CHUNK = 1 << 20;

/** Plain-data form of a sketch, for `postMessage` between worker threads. */
export interface SerializedLatencySketch {
  count: number;
  rejected: number;
  min: number;
  max: number;
  /** Exact: every sample, in chunks (their buffers can be transferred). */
  values?: Float64Array[];
  /** Approximate: DDSketch bin counts from key `offset` on, and the samples that are zero. */
  bins?: { offset: number; counts: number[]; zeros: number };
}

/**
 * Latency percentiles that merge: every sample is kept (in Float64Array chunks, 8 bytes each) and
 * percentiles are exact, until `approximate()` turns the sketch into a DDSketch
 * (`@datadog/sketches-js`) whose answers are within SKETCH_RELATIVE_ACCURACY (1%) — a summary
 * does so past its memory bound. Merging gives exactly what one pass over all samples would. Bad
 * samples (negative, NaN, infinite) are skipped and counted in `rejected`, never thrown.
 */
export interface LatencySketch {
  /** Adds one sample in milliseconds; false (and `rejected` + 1) when it is not a valid latency. */
  add(valueMs: number): boolean;
  /** Adds `values[0..n)` as `add` would, one by one (the summary's batched fast path). */
  addAll(values: Float64Array, n: number): void;
  /** Adds every sample of `other` (an exact one's chunks are shared, not copied). */
  merge(other: LatencySketch): void;
  /** Percentile `q` (0..1) under `method` (default `linear`); undefined when empty. */
  quantile(q: number, method?: PercentileMethod): number | undefined;
  /** Several percentiles at once (one pass over the samples); undefined when empty. */
  quantiles(qs: readonly number[], method?: PercentileMethod): number[] | undefined;
  /** Drops the samples for a DDSketch: constant memory from now on, percentiles within 1%. */
  approximate(): void;
  readonly count: number;
  readonly rejected: number;
  /** True while every sample is kept (until `approximate()`). */
  readonly exact: boolean;
  toJSON(): SerializedLatencySketch;
}

/**
 * Creates an empty latency sketch.
 *
 * @example
 * const sketch = createLatencySketch();
 * for (const ms of [12.5, 8.1, 22.3, 9]) sketch.add(ms);
 * sketch.quantile(0.5); // 10.75: between 9 and 12.5 (linear)
 * sketch.quantile(0.5, 'seed'); // 12.5: sorted[int(4 * 0.5)]
 */
export function createLatencySketch(): LatencySketch {
  /** Full chunks, and views adopted from merged sketches (never written). */
  const full: Float64Array[] = [];
  let tail: Float64Array | undefined;
  let fill = 0;
  let dd: DDSketchInstance | undefined;
  let count = 0;
  let rejected = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;

  function parts(): Float64Array[] {
    return tail && fill > 0 ? [...full, tail.subarray(0, fill)] : [...full];
  }

  function grow(): Float64Array {
    if (tail) full.push(tail);
    const size = Math.min(LARGEST_CHUNK, Math.max(FIRST_CHUNK, count));
    tail = new Float64Array(size);
    fill = 0;
    return tail;
  }

  function keep(value: number): void {
    if (dd) {
      dd.accept(value);
      return;
    }
    const store = tail && fill < tail.length ? tail : grow();
    store[fill++] = value;
  }

  function toSketch(): DDSketchInstance {
    if (dd) return dd;
    const created = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
    for (const part of parts()) for (const value of part) created.accept(value);
    dd = created;
    full.length = 0;
    tail = undefined;
    fill = 0;
    return created;
  }

  function absorb(data: SerializedLatencySketch): void {
    if (data.count === 0) return;
    if (data.min < min) min = data.min;
    if (data.max > max) max = data.max;
    if (data.values) {
      if (dd) {
        for (const part of data.values) for (const value of part) dd.accept(value);
      } else {
        // Kept whole: a partly filled chunk (the view's end) is never written past here.
        for (const part of data.values) if (part.length > 0) full.push(part);
      }
      count += data.count;
      return;
    }
    if (!data.bins) return;
    // DenseStore.add only: its merge() mishandles a key of 0 (a value of 1 ms).
    const target = toSketch();
    const { offset, counts, zeros } = data.bins;
    for (let i = 0; i < counts.length; i++) {
      const binCount = counts[i] as number;
      if (binCount > 0) target.store.add(offset + i, binCount);
    }
    target.zeroCount += zeros;
    target.count += data.count;
    count += data.count;
  }

  /** Counts a valid sample in count, min and max; a bad one only in `rejected`. */
  function admit(value: number): boolean {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) {
      rejected++;
      return false;
    }
    count++;
    if (value < min) min = value;
    if (value > max) max = value;
    return true;
  }

  function estimate(target: DDSketchInstance, rank: number): number {
    if (rank < target.zeroCount) return 0;
    const value = target.mapping.value(target.store.keyAtRank(rank - target.zeroCount));
    // The exact answer lies in [min, max], so clamping only brings the estimate closer.
    return Math.min(Math.max(value, min), max);
  }

  /** Copies a batch whose every value is valid in one go; otherwise sample by sample. */
  function addBatchExact(batch: Float64Array, n: number): boolean {
    let low = min;
    let high = max;
    for (let i = 0; i < n; i++) {
      const value = batch[i] as number;
      if (!(value >= 0) || value === Number.POSITIVE_INFINITY) return false;
      if (value < low) low = value;
      if (value > high) high = value;
    }
    min = low;
    max = high;
    count += n;
    let from = 0;
    while (from < n) {
      const store = tail && fill < tail.length ? tail : grow();
      const take = Math.min(n - from, store.length - fill);
      store.set(batch.subarray(from, from + take), fill);
      fill += take;
      from += take;
    }
    return true;
  }

  const sketch: LatencySketch = {
    add(value) {
      if (!admit(value)) return false;
      keep(value);
      return true;
    },
    addAll(batch, n) {
      if (!dd && addBatchExact(batch, n)) return;
      for (let i = 0; i < n; i++) {
        const value = batch[i] as number;
        if (admit(value)) keep(value);
      }
    },
    merge(other) {
      absorb(other.toJSON());
      rejected += other.rejected;
    },
    quantile(q, method = 'linear') {
      return sketch.quantiles([q], method)?.[0];
    },
    quantiles(qs, method = 'linear') {
      if (count === 0) return undefined;
      if (!dd) return exactPercentiles(parts(), count, qs, method);
      const target = dd;
      return qs.map((q) => {
        const { low, high, weight } = percentileRanks(count, q, method);
        return interpolate(estimate(target, low), estimate(target, high), weight);
      });
    },
    approximate() {
      toSketch();
    },
    get count() {
      return count;
    },
    get rejected() {
      return rejected;
    },
    get exact() {
      return dd === undefined;
    },
    toJSON() {
      const base = { count, rejected, min, max };
      if (!dd) return { ...base, values: parts() };
      const { store } = dd;
      const counts =
        store.count === 0
          ? []
          : store.bins.slice(store.minKey - store.offset, store.maxKey - store.offset + 1);
      return { ...base, bins: { offset: store.minKey, counts, zeros: dd.zeroCount } };
    },
  };
  return sketch;
}

/** The buffers of a serialized sketch's samples, to transfer rather than copy them. */
export function latencyBuffers(data: SerializedLatencySketch): ArrayBuffer[] {
  return (data.values ?? []).map((part) => part.buffer as ArrayBuffer);
}

/**
 * Rebuilds a sketch sent by `toJSON()` (e.g. from a worker thread).
 *
 * @example
 * const data = sketch.toJSON();
 * parentPort.postMessage(data, latencyBuffers(data)); // in a worker
 * total.merge(latencySketchFromJSON(message)); // in the main thread
 */
export function latencySketchFromJSON(data: SerializedLatencySketch): LatencySketch {
  const sketch = createLatencySketch();
  sketch.merge({
    ...sketch,
    count: data.count,
    rejected: data.rejected,
    exact: data.values !== undefined,
    toJSON: () => data,
  });
  return sketch;
}
