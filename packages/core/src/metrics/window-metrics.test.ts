import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEventKitError } from '../errors.js';
import { formatTelemetryLine } from '../telemetry/event.js';
import { calculateMetrics } from './window-metrics.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eventkit-metrics-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NOW = new Date('2024-03-15T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;

describe('calculateMetrics', () => {
  it("computes the seed's calculate_metrics over the window", async () => {
    const file = join(dir, 'telemetry.jsonl');
    const lines = [
      // Outside the 1-hour window: ignored.
      { ts: nowSeconds - 3601, action: 'recommend', success: false, latency_ms: 999 },
      ...Array.from({ length: 20 }, (_, i) => ({
        ts: nowSeconds - 3600 + i,
        action: i % 2 ? 'explain' : 'recommend',
        success: i !== 3,
        latency_ms: 20 - i,
      })),
    ];
    await writeFile(
      file,
      `${lines.map((l) => formatTelemetryLine({ ...l, payload: {}, error: null })).join('')}not json\n`,
    );
    const metrics = await calculateMetrics(file, { windowHours: 1, now: () => NOW });
    // sorted latencies are 1..20: p50 = sorted[10] = 11, p95 = sorted[19] = 20, p99 = sorted[19] = 20.
    expect(metrics).toStrictEqual({
      window_hours: 1,
      total_requests: 20,
      success_rate: 95,
      error_rate: 5,
      latency_p50: 11,
      latency_p95: 20,
      latency_p99: 20,
      requests_per_second: 20 / 3600,
      approximate: false,
      malformed_lines: 1,
      first_malformed: [{ file, line: 22, reason: 'invalid JSON' }],
    });
    // summarize's definition on request: positions (n - 1) * q, interpolated (numpy's default).
    const linear = await calculateMetrics(file, {
      windowHours: 1,
      now: () => NOW,
      percentiles: 'linear',
    });
    expect(linear.latency_p50).toBe(10.5);
    expect(linear.latency_p95).toBeCloseTo(19.05, 12);
    expect(linear.latency_p99).toBeCloseTo(19.81, 12);
  });

  it("equals the seed's formulas computed by sorting every latency", async () => {
    const file = join(dir, 'telemetry.jsonl');
    const latencies = Array.from({ length: 20_000 }, (_, i) => ((i * 7919) % 10_007) / 100);
    await writeFile(
      file,
      latencies
        .map((latency_ms, i) =>
          formatTelemetryLine({
            ts: nowSeconds - 3000 + i / 10,
            action: ['recommend', 'explain', 'export'][i % 3] as string,
            success: i % 13 !== 0,
            latency_ms,
            payload: {},
            error: null,
          }),
        )
        .join(''),
    );
    const metrics = await calculateMetrics(file, { windowHours: 1, now: () => NOW });
    const sorted = [...latencies].sort((a, b) => a - b);
    expect(metrics.latency_p50).toBe(sorted[10_000]);
    expect(metrics.latency_p95).toBe(sorted[19_000]);
    expect(metrics.latency_p99).toBe(sorted[19_800]);
    expect(metrics.requests_per_second).toBe(20_000 / 3600);
  });

  it('gives zeros for an empty window, like the seed', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(
      file,
      formatTelemetryLine({
        ts: 0,
        action: 'a',
        success: true,
        latency_ms: 1,
        payload: {},
        error: null,
      }),
    );
    expect(await calculateMetrics(file, { now: () => NOW })).toStrictEqual({
      window_hours: 24,
      total_requests: 0,
      success_rate: 0,
      error_rate: 0,
      latency_p50: 0,
      latency_p95: 0,
      latency_p99: 0,
      requests_per_second: 0,
      approximate: false,
      malformed_lines: 0,
      first_malformed: [],
    });
  });

  it.each([0, -1, Number.NaN])('rejects a window of %s hours', async (windowHours) => {
    const error = await calculateMetrics(join(dir, 'x'), { windowHours }).catch((e: unknown) => e);
    expect(isEventKitError(error) && error.code).toBe('INVALID_INPUT');
  });
});

describe('calculateMetrics by instance', () => {
  it("gives each instance's figures over its own requests, and the fleet's unchanged", async () => {
    const event = (i: number, instance?: string) => ({
      ts: nowSeconds - 600 + i,
      action: 'recommend',
      success: i % 7 !== 0,
      latency_ms: (i * 13) % 97,
      payload: {},
      error: null,
      ...(instance === undefined ? {} : { instance }),
    });
    const names = ['a', 'b', undefined];
    const events = Array.from({ length: 90 }, (_, i) => event(i, names[i % 3]));
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, events.map(formatTelemetryLine).join(''));
    const options = { windowHours: 1, now: () => NOW };
    const { instances, ...fleet } = await calculateMetrics(file, { ...options, by: 'instance' });
    expect(fleet).toStrictEqual(await calculateMetrics(file, options));
    expect(Object.keys(instances ?? {})).toEqual(['(none)', 'a', 'b']);
    for (const [k, name] of names.entries()) {
      const alone = join(dir, `${k}.jsonl`);
      await writeFile(
        alone,
        events
          .filter((e) => e.instance === name)
          .map(formatTelemetryLine)
          .join(''),
      );
      expect(instances?.[name ?? '(none)']).toStrictEqual(await calculateMetrics(alone, options));
    }
  });
});
