import { createSummaryBuilder, type SummaryLine } from '@eventkit/core/analysis';
import type { TelemetryEvent } from '@eventkit/core/telemetry';
import { describe, expect, it } from 'vitest';
import { makeEvents } from '../test-support/run-cli.js';
import {
  bucketWidthFor,
  createBucketSeries,
  emptyBucket,
  MAX_BUCKETS,
  mergeBucket,
  SLOWEST_KEPT,
} from './time-buckets.js';

describe('bucketWidthFor', () => {
  it.each([
    [3600, 30],
    [86_400, 600],
    [7 * 86_400, 3600],
    [14 * 86_400, 10_800],
    [365 * 86_400, 604_800],
    [5 * 365 * 86_400, 1_209_600],
  ])('covers %i seconds in at most 200 buckets of a round width (%i s)', (seconds, width) => {
    expect(bucketWidthFor(seconds)).toBe(width);
    expect(seconds / width).toBeLessThanOrEqual(MAX_BUCKETS);
  });
});

/** An event as core's summary run hands it to its per-line hook. */
const lineOf = (event: TelemetryEvent): SummaryLine => ({
  ts: event.ts,
  action: event.action,
  success: event.success,
  latencyMs: event.latency_ms,
  traceId: event.trace_id,
  instance: event.instance,
  event: () => event,
});

describe('createBucketSeries', () => {
  // A month, out of order: the series learns the span as it reads.
  const events = makeEvents(20_000, 1_732_540_000, 130);
  const shuffled = [...events.slice(10_000), ...events.slice(0, 10_000).reverse()];

  it('coarsens to at most MAX_BUCKETS buckets whatever the order of the events', () => {
    const series = createBucketSeries();
    for (const event of shuffled) series.add(lineOf(event), undefined);
    expect(series.buckets.size).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(series.width).toBe(bucketWidthFor(20_000 * 130));
    for (const [index, bucket] of series.buckets) {
      for (const request of bucket.slowest) {
        expect(Math.floor(request.ts / series.width)).toBe(index);
      }
    }
  });

  it('merged, its buckets summarise as one builder fed every event does', () => {
    const series = createBucketSeries();
    const whole = createSummaryBuilder();
    for (const event of shuffled) {
      series.add(lineOf(event), event.success ? undefined : (event.error ?? ''));
      whole.add(event);
    }
    const merged = emptyBucket();
    for (const bucket of series.buckets.values()) mergeBucket(merged, bucket);
    expect(merged.builder.result()).toEqual(whole.result());
    expect(merged.histogram.reduce((sum, n) => sum + n, 0)).toBe(events.length);
    const failures = events.filter((e) => !e.success).length;
    expect([...merged.errors.values()].reduce((sum, n) => sum + n, 0)).toBe(failures);
    const slowest = [...events].sort((a, b) => b.latency_ms - a.latency_ms).slice(0, SLOWEST_KEPT);
    expect(merged.slowest.map((r) => r.latency_ms)).toEqual(slowest.map((e) => e.latency_ms));
  });
});
