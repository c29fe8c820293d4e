import sketches from '@datadog/sketches-js';

const { DDSketch } = sketches;
type DDSketchInstance = InstanceType<typeof DDSketch>;

/** Up to this many samples, percentiles are exact (the samples themselves are kept). */
export const EXACT_SAMPLE_LIMIT = 1000;
/** Beyond EXACT_SAMPLE_LIMIT, a percentile is within this relative error of the exact one. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/** Plain-data form of a sketch, for `postMessage` between worker threads or JSON. */
export interface SerializedLatencySketch {
  count: number;
  rejected: number;
  min: number;
  max: number;
  /** Exact mode: every sample. */
  values?: number[];
  /** Sketch mode: DDSketch bin counts from key `offset` on, and the samples that are zero. */
  bins?: { offset: number; counts: number[]; zeros: number };
}

/**
 * Latency percentiles that stay small and mergeable: exact up to EXACT_SAMPLE_LIMIT samples,
 * then a DDSketch (`@datadog/sketches-js`) whose answers are within SKETCH_RELATIVE_ACCURACY (1%)
 * of the exact `sorted[floor(n * q)]`. Merging gives exactly what one pass over all samples
 * would. Bad samples (negative, NaN, infinite) are skipped and counted in `rejected`, never thrown.
 */
export interface LatencySketch {
  /** Adds one sample in milliseconds; false (and `rejected` + 1) when it is not a valid latency. */
  add(valueMs: number): boolean;
  /** Adds `values[0..n)` as `add` would, one by one (the summary's batched fast path). */
  addAll(values: Float64Array, n: number): void;
  merge(other: LatencySketch): void;
  /** The value at index floor(count * q) of the sorted samples; undefined when empty. */
  quantile(q: number): number | undefined;
  readonly count: number;
  readonly rejected: number;
  /** True while every sample is kept (count <= EXACT_SAMPLE_LIMIT). */
  readonly exact: boolean;
  toJSON(): SerializedLatencySketch;
}

/**
 * Creates an empty latency sketch.
 *
 * @example
 * const sketch = createLatencySketch();
 * for (const ms of [12.5, 8.1, 22.3]) sketch.add(ms);
 * sketch.quantile(0.5); // 12.5 (exact: 3 samples)
 */
export function createLatencySketch(): LatencySketch {
  let values: Float64Array | undefined = new Float64Array(16);
  let size = 0;
  let sorted = true;
  let dd: DDSketchInstance | undefined;
  let count = 0;
  let rejected = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;

  function toSketch(): DDSketchInstance {
    if (dd) return dd;
    const created = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
    for (let i = 0; i < size; i++) created.accept(values?.[i] as number);
    dd = created;
    values = undefined;
    size = 0;
    return created;
  }

  function keep(value: number): void {
    if (dd) {
      dd.accept(value);
      return;
    }
    if (size === EXACT_SAMPLE_LIMIT) {
      toSketch().accept(value);
      return;
    }
    let store = values as Float64Array;
    if (size === store.length) {
      const grown = new Float64Array(Math.min(store.length * 2, EXACT_SAMPLE_LIMIT));
      grown.set(store);
      store = grown;
      values = grown;
    }
    store[size++] = value;
    sorted = false;
  }

  function absorb(data: SerializedLatencySketch): void {
    if (data.count === 0) return;
    count += data.count;
    if (data.min < min) min = data.min;
    if (data.max > max) max = data.max;
    if (data.values) {
      for (const value of data.values) keep(value);
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

  const sketch: LatencySketch = {
    add(value) {
      if (!admit(value)) return false;
      keep(value);
      return true;
    },
    addAll(batch, n) {
      let i = 0;
      // Exact mode: keep while there is room; then straight into the sketch, without keep()'s checks.
      if (!dd) {
        for (const room = Math.min(n, EXACT_SAMPLE_LIMIT - size); i < room; i++) {
          const value = batch[i] as number;
          if (admit(value)) keep(value);
        }
      }
      if (i >= n) return;
      const target = toSketch();
      for (; i < n; i++) {
        const value = batch[i] as number;
        if (admit(value)) target.accept(value);
      }
    },
    merge(other) {
      absorb(other.toJSON());
      rejected += other.rejected;
    },
    quantile(q) {
      if (count === 0) return undefined;
      const index = Math.min(Math.max(Math.floor(count * q), 0), count - 1);
      if (!dd) {
        const store = (values as Float64Array).subarray(0, size);
        if (!sorted) {
          store.sort();
          sorted = true;
        }
        return store[index];
      }
      if (index < dd.zeroCount) return 0;
      const estimate = dd.mapping.value(dd.store.keyAtRank(index - dd.zeroCount));
      // The exact answer lies in [min, max], so clamping only brings the estimate closer.
      return Math.min(Math.max(estimate, min), max);
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
      if (!dd) return { ...base, values: Array.from((values as Float64Array).subarray(0, size)) };
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

/**
 * Rebuilds a sketch sent by `toJSON()` (e.g. from a worker thread).
 *
 * @example
 * parentPort.postMessage(sketch.toJSON()); // in a worker
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
