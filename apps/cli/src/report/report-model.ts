import {
  createSummaryBuilder,
  type GapEpisode,
  type TelemetrySummary,
} from '@eventkit/core/analysis';
import { DEFAULT_SLO_TARGETS, evaluateSlo, type SloResult } from '../slo.js';
import type { Collected } from './collect.js';
import { type ChangeRow, periodChanges } from './period-change.js';
import { type Bucket, emptyBucket, mergeBucket, type SlowRequest } from './time-buckets.js';

/** One action in one bucket of time. */
export interface ActionPoint {
  count: number;
  failures: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

/** One bucket of time: its start (Unix seconds), the seconds of it inside the period, its requests. */
export interface SeriesPoint {
  start: number;
  seconds: number;
  total: number;
  failures: number;
  actions: Record<string, ActionPoint>;
}

export interface ErrorRow {
  message: string;
  count: number;
  actions: string[];
}

/** Latency over all actions, by the seed's `calculate_metrics` rule (the SLO checks use it). */
export interface OverallLatency {
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

/** One period of the report, with everything shown about it. */
export interface PeriodView {
  /** The window the events were selected by (Unix seconds; null: open), as `summarize --since/--until`. */
  since: number | null;
  until: number | null;
  /** Seconds the rates are taken over. */
  seconds: number;
  summary: TelemetrySummary;
  overall: OverallLatency;
  slo: SloResult;
  /** Counts per HISTOGRAM_BOUNDS_MS bin, the last one open. */
  histogram: number[];
  slowest: SlowRequest[];
  errors: ErrorRow[];
  /** Bucket width in seconds, and the buckets from the period's first to its last. */
  width: number;
  series: SeriesPoint[];
}

export interface ReportModel {
  current: PeriodView;
  /** `--compare previous`: the period of the same length just before. */
  previous: PeriodView | undefined;
  /** How the periods were chosen: by --since, or (no --since) the data's span cut in two. */
  comparedBy: 'since' | 'halves' | undefined;
  /** From the previous period to this one, when compared. */
  changes: ChangeRow[] | undefined;
}

export interface ModelOptions {
  since?: number | undefined;
  until?: number | undefined;
  compare: boolean;
  /** Unix seconds: the end of a period whose `until` is open, for its length. */
  now: number;
}

/** Errors listed in the report, most frequent first. */
export const TOP_ERRORS = 10;

interface Range {
  /** Bucket indices, inclusive; first > last for none. */
  first: number;
  last: number;
}

function indexRange(buckets: ReadonlyMap<number, Bucket>): Range {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const index of buckets.keys()) {
    if (index < first) first = index;
    if (index > last) last = index;
  }
  return { first, last };
}

function overlaps(gap: GapEpisode, since: number | null, until: number | null): boolean {
  return (
    gap.until >= (since ?? Number.NEGATIVE_INFINITY) &&
    gap.since < (until ?? Number.POSITIVE_INFINITY)
  );
}

interface PeriodInput {
  buckets: ReadonlyMap<number, Bucket>;
  width: number;
  range: Range;
  since: number | null;
  until: number | null;
  /** Clock end for a period open at its end (rates, the last bucket's share of it). */
  end: number;
  /** The malformed lines belong to the reported period only. */
  withMalformed: boolean;
}

function periodView(collected: Collected, input: PeriodInput): PeriodView {
  const { buckets, width, range, since, until, end } = input;
  const merged = emptyBucket();
  const series: SeriesPoint[] = [];
  const spanStart = since ?? range.first * width;
  const spanEnd = until ?? end;
  for (let index = range.first; index <= range.last; index++) {
    const bucket = buckets.get(index);
    const start = index * width;
    const inside = Math.min(start + width, spanEnd) - Math.max(start, spanStart);
    const point: SeriesPoint = {
      start,
      seconds: since === null || inside <= 0 ? width : inside,
      total: 0,
      failures: 0,
      actions: {},
    };
    if (bucket !== undefined) {
      mergeBucket(merged, bucket);
      const part = bucket.builder.result();
      point.total = part.total;
      point.failures = part.failures;
      for (const [name, a] of Object.entries(part.actions)) {
        point.actions[name] = {
          count: a.count,
          failures: a.failures,
          p50_ms: a.p50_ms,
          p95_ms: a.p95_ms,
          p99_ms: a.p99_ms,
        };
      }
    }
    series.push(point);
  }
  const builder = createSummaryBuilder();
  builder.merge(merged.builder);
  for (const gap of collected.gaps) if (overlaps(gap, since, until)) builder.addGap(gap);
  const summary = builder.result();
  if (input.withMalformed) Object.assign(summary, collected.malformed);
  const latency = builder.overallLatency();
  const overall: OverallLatency = {
    p50_ms: latency.quantile(0.5) ?? 0,
    p95_ms: latency.quantile(0.95) ?? 0,
    p99_ms: latency.quantile(0.99) ?? 0,
  };
  const firstTs = summary.first_ts ?? 0;
  const seconds = Math.max(
    1,
    since === null ? (summary.last_ts ?? firstTs) - firstTs : spanEnd - spanStart,
  );
  const slo = evaluateSlo(
    {
      window_hours: seconds / 3600,
      total_requests: summary.total,
      success_rate: summary.success_rate,
      error_rate: summary.error_rate,
      latency_p50: overall.p50_ms,
      latency_p95: overall.p95_ms,
      latency_p99: overall.p99_ms,
      requests_per_second: summary.total / seconds,
      approximate: summary.approximate,
      malformed_lines: summary.malformed_lines,
      first_malformed: summary.first_malformed,
    },
    DEFAULT_SLO_TARGETS,
  );
  const errors = [...merged.errors]
    .map(([message, count]) => ({
      message,
      count,
      actions: [...(collected.errorActions.get(message) ?? [])],
    }))
    .sort((a, b) => b.count - a.count || (a.message < b.message ? -1 : 1))
    .slice(0, TOP_ERRORS);
  return {
    since,
    until,
    seconds,
    summary,
    overall,
    slo,
    histogram: [...merged.histogram],
    slowest: merged.slowest,
    errors,
    width,
    series,
  };
}

function restrict(buckets: ReadonlyMap<number, Bucket>, range: Range): ReadonlyMap<number, Bucket> {
  return new Map([...buckets].filter(([index]) => index >= range.first && index <= range.last));
}

/**
 * The report's periods from what one pass collected. With `since`, the period is
 * [since, until) and the previous one the same length before it. Without, the period is all the
 * data before `until`; compared, the data's span is cut in two at a bucket edge: its later half
 * is the period, the same number of buckets before it the previous one.
 */
export function buildReportModel(collected: Collected, options: ModelOptions): ReportModel {
  const { since, until, compare, now } = options;
  const { current } = collected;
  const width = current.width;
  if (since !== undefined) {
    const end = until ?? now;
    const range: Range = {
      first: Math.floor(since / width),
      last: Math.max(Math.ceil(end / width) - 1, indexRange(current.buckets).last),
    };
    const view = periodView(collected, {
      buckets: current.buckets,
      width,
      range,
      since,
      until: until ?? null,
      end,
      withMalformed: true,
    });
    const previous = collected.previous;
    if (previous === undefined)
      return { current: view, previous: undefined, comparedBy: undefined, changes: undefined };
    const length = end - since;
    const previousView = periodView(collected, {
      buckets: previous.buckets,
      width: previous.width,
      range: {
        first: Math.floor((since - length) / previous.width),
        last: Math.ceil(since / previous.width) - 1,
      },
      since: since - length,
      until: since,
      end: since,
      withMalformed: false,
    });
    return {
      current: view,
      previous: previousView,
      comparedBy: 'since',
      changes: periodChanges(view, previousView),
    };
  }
  const all = indexRange(current.buckets);
  const hasData = all.first <= all.last;
  if (!compare || !hasData) {
    const range = hasData ? all : { first: 0, last: -1 };
    const view = periodView(collected, {
      buckets: current.buckets,
      width,
      range,
      since: null,
      until: until ?? null,
      end: until ?? now,
      withMalformed: true,
    });
    return { current: view, previous: undefined, comparedBy: undefined, changes: undefined };
  }
  const half = Math.ceil((all.last - all.first + 1) / 2);
  const later: Range = { first: all.last + 1 - half, last: all.last };
  const earlier: Range = { first: later.first - half, last: later.first - 1 };
  const split = later.first * width;
  const periodEnd = Math.min(until ?? Number.POSITIVE_INFINITY, (all.last + 1) * width);
  const view = periodView(collected, {
    buckets: restrict(current.buckets, later),
    width,
    range: later,
    since: split,
    until: periodEnd,
    end: periodEnd,
    withMalformed: true,
  });
  const previousView = periodView(collected, {
    buckets: restrict(current.buckets, earlier),
    width,
    range: earlier,
    since: earlier.first * width,
    until: split,
    end: split,
    withMalformed: false,
  });
  return {
    current: view,
    previous: previousView,
    comparedBy: 'halves',
    changes: periodChanges(view, previousView),
  };
}
