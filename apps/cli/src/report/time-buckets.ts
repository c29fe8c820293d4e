import {
  createSummaryBuilder,
  type SummaryBuilder,
  type SummaryLine,
} from '@eventkit/core/analysis';

/** At most this many buckets per period: a chart stays readable and the file small. */
export const MAX_BUCKETS = 200;

/**
 * Bucket widths in seconds, each a multiple of the one before, so buckets coarsen by merging
 * whole neighbours. Bucket edges are multiples of the width from the Unix epoch (UTC).
 */
const WIDTH_LADDER = [
  1, 2, 10, 30, 60, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800,
] as const;

/** The narrowest ladder width that covers `seconds` in at most MAX_BUCKETS buckets. */
export function bucketWidthFor(seconds: number): number {
  for (const width of WIDTH_LADDER) if (seconds / width <= MAX_BUCKETS - 1) return width;
  let width: number = WIDTH_LADDER[WIDTH_LADDER.length - 1] as number;
  while (seconds / width > MAX_BUCKETS - 1) width *= 2;
  return width;
}

function nextWidth(width: number): number {
  return WIDTH_LADDER.find((w) => w > width) ?? width * 2;
}

/**
 * Latency histogram bins: eight per decade from 0.1 ms to 100 s (upper bounds, ms), then one
 * open bin. Finer than the exporter's Prometheus buckets, which are few on purpose (each is a
 * time series); a picture of the distribution needs more.
 */
export const HISTOGRAM_BOUNDS_MS: readonly number[] = Object.freeze(
  Array.from({ length: 49 }, (_, i) => Number((0.1 * 10 ** (i / 8)).toPrecision(3))),
);

function histogramBin(latencyMs: number): number {
  let lo = 0;
  let hi = HISTOGRAM_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (latencyMs <= (HISTOGRAM_BOUNDS_MS[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A request among the slowest, as the report lists it. */
export interface SlowRequest {
  ts: number;
  action: string;
  latency_ms: number;
  success: boolean;
  trace_id: string | undefined;
  instance: string | undefined;
  error: string | null;
}

/** How many of the slowest requests each bucket, and the report, keeps. */
export const SLOWEST_KEPT = 20;

/** What one bucket of time holds: its summary, histogram, slowest requests and errors. */
export interface Bucket {
  builder: SummaryBuilder;
  histogram: Uint32Array;
  /** Slowest first, at most SLOWEST_KEPT. */
  slowest: SlowRequest[];
  /** Failures by error key (see createErrorKeys). */
  errors: Map<string, number>;
}

function createBucket(): Bucket {
  return {
    builder: createSummaryBuilder(),
    histogram: new Uint32Array(HISTOGRAM_BOUNDS_MS.length + 1),
    slowest: [],
    errors: new Map(),
  };
}

/** Whether a request this slow would be kept: the rest are never built. */
function slowEnough(slowest: SlowRequest[], latencyMs: number): boolean {
  const last = slowest[slowest.length - 1];
  return slowest.length < SLOWEST_KEPT || last === undefined || latencyMs > last.latency_ms;
}

function keepSlow(slowest: SlowRequest[], request: SlowRequest): void {
  if (!slowEnough(slowest, request.latency_ms)) return;
  let at = slowest.length;
  while (at > 0 && (slowest[at - 1] as SlowRequest).latency_ms < request.latency_ms) at--;
  slowest.splice(at, 0, request);
  if (slowest.length > SLOWEST_KEPT) slowest.pop();
}

/** Adds everything `from` holds to `into`. */
export function mergeBucket(into: Bucket, from: Bucket): void {
  into.builder.merge(from.builder);
  for (let i = 0; i < into.histogram.length; i++) {
    into.histogram[i] = (into.histogram[i] as number) + (from.histogram[i] as number);
  }
  for (const request of from.slowest) keepSlow(into.slowest, request);
  for (const [key, count] of from.errors) into.errors.set(key, (into.errors.get(key) ?? 0) + count);
}

/** An empty bucket, to merge buckets into. */
export const emptyBucket = createBucket;

export interface BucketSeries {
  /** Adds a request (not a gap record) as the summary read it; `errorKey` for a failure. */
  add(line: SummaryLine, errorKey: string | undefined): void;
  readonly width: number;
  /** Buckets by index (`start = index * width`), in no particular order. */
  readonly buckets: ReadonlyMap<number, Bucket>;
}

/**
 * Requests in buckets of time, in constant memory whatever the input's length: starting at
 * `minWidth` seconds, the width coarsens (neighbours merged) whenever the events seen span
 * more than MAX_BUCKETS buckets, so the data need not be sorted nor its span known in advance.
 */
export function createBucketSeries(minWidth = 1): BucketSeries {
  let width = minWidth;
  let buckets = new Map<number, Bucket>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;

  function coarsen(): void {
    const before = width;
    while (Math.floor(last / width) - Math.floor(first / width) + 1 > MAX_BUCKETS) {
      width = nextWidth(width);
    }
    const merged = new Map<number, Bucket>();
    for (const [index, bucket] of buckets) {
      // Every width divides the next, so a bucket lies whole inside one coarser bucket.
      const key = Math.floor((index * before) / width);
      const target = merged.get(key);
      if (target === undefined) merged.set(key, bucket);
      else mergeBucket(target, bucket);
    }
    buckets = merged;
  }

  return {
    add(line, errorKey) {
      const { ts, action, success, latencyMs } = line;
      if (ts < first) first = ts;
      if (ts > last) last = ts;
      if (Math.floor(last / width) - Math.floor(first / width) + 1 > MAX_BUCKETS) coarsen();
      const index = Math.floor(ts / width);
      let bucket = buckets.get(index);
      if (bucket === undefined) {
        bucket = createBucket();
        buckets.set(index, bucket);
      }
      bucket.builder.addSample(action, success, latencyMs, ts);
      const bin = histogramBin(latencyMs);
      bucket.histogram[bin] = (bucket.histogram[bin] as number) + 1;
      if (slowEnough(bucket.slowest, latencyMs)) {
        keepSlow(bucket.slowest, {
          ts,
          action,
          latency_ms: latencyMs,
          success,
          trace_id: line.traceId,
          instance: line.instance,
          error: line.event().error ?? null,
        });
      }
      if (errorKey !== undefined)
        bucket.errors.set(errorKey, (bucket.errors.get(errorKey) ?? 0) + 1);
    },
    get width() {
      return width;
    },
    get buckets() {
      return buckets;
    },
  };
}
