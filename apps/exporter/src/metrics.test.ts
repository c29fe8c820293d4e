import { EXTRA_ACTIONS_CAP, TELEMETRY_ACTIONS } from '@eventkit/core/telemetry';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerExporterMetrics } from './metrics.js';
import { createTelemetryTally } from './tally.js';

const FIXTURE = [
  '{"ts":1732540000.100,"action":"recommend","success":true,"latency_ms":12.5}',
  '{"ts":1732540001.200,"action":"recommend","success":false,"latency_ms":150,"error":"boom"}',
  '{"ts":1732540002.300,"action":"explain","success":true,"latency_ms":4}',
  '{"ts":1732540003.400,"action":"unauthorized","success":false,"latency_ms":0.5}',
  '{"ts":1732540004.500,"action":"search","success":true,"latency_ms":6000}',
  'not json',
];

async function exposition(lines: string[], options: { health?: number; disk?: number } = {}) {
  const tally = createTelemetryTally();
  for (const line of lines) {
    const bytes = Buffer.from(line);
    tally.countLine(bytes, 0, bytes.length);
  }
  const registry = new Registry();
  registerExporterMetrics({
    registry,
    tally,
    processMetrics: false,
    now: () => 1732540014_500,
    probeHealth: options.health === undefined ? undefined : async () => options.health as number,
    diskFreeRatio: async () => options.disk,
  });
  return registry.metrics();
}

const seriesOf = (text: string, name: string) =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

describe('exporter metrics', () => {
  it('exposes counters by action, with every known action present at 0', async () => {
    const text = await exposition(FIXTURE);
    expect(seriesOf(text, 'event_agent_requests_total')).toEqual([
      'event_agent_requests_total{action="recommend"} 2',
      'event_agent_requests_total{action="explain"} 1',
      'event_agent_requests_total{action="export"} 0',
      'event_agent_requests_total{action="unauthorized"} 1',
      'event_agent_requests_total{action="rate_limited"} 0',
      'event_agent_requests_total{action="unknown"} 0',
      'event_agent_requests_total{action="other"} 0',
      'event_agent_requests_total{action="search"} 1',
    ]);
    expect(seriesOf(text, 'event_agent_errors_total')).toContain(
      'event_agent_errors_total{action="recommend"} 1',
    );
  });

  it('exposes the latency histogram with the catalog buckets, cumulative, in seconds', async () => {
    const text = await exposition(FIXTURE);
    expect(
      seriesOf(text, 'event_agent_latency_seconds_bucket').filter((l) => l.includes('"recommend"')),
    ).toEqual([
      'event_agent_latency_seconds_bucket{action="recommend",le="0.005"} 0',
      'event_agent_latency_seconds_bucket{action="recommend",le="0.01"} 0',
      'event_agent_latency_seconds_bucket{action="recommend",le="0.025"} 1',
      'event_agent_latency_seconds_bucket{action="recommend",le="0.05"} 1',
      'event_agent_latency_seconds_bucket{action="recommend",le="0.1"} 1',
      'event_agent_latency_seconds_bucket{action="recommend",le="0.25"} 2',
      'event_agent_latency_seconds_bucket{action="recommend",le="0.5"} 2',
      'event_agent_latency_seconds_bucket{action="recommend",le="1"} 2',
      'event_agent_latency_seconds_bucket{action="recommend",le="2.5"} 2',
      'event_agent_latency_seconds_bucket{action="recommend",le="5"} 2',
      'event_agent_latency_seconds_bucket{action="recommend",le="+Inf"} 2',
    ]);
    expect(text).toContain('event_agent_latency_seconds_sum{action="recommend"} 0.1625');
    expect(text).toContain('event_agent_latency_seconds_count{action="recommend"} 2');
    expect(text).toContain('event_agent_latency_seconds_bucket{action="search",le="5"} 0');
    expect(text).toContain('event_agent_latency_seconds_bucket{action="search",le="+Inf"} 1');
    expect(text).toContain('# TYPE event_agent_latency_seconds histogram');
  });

  it('exposes auth failures, self-metrics and lag', async () => {
    const text = await exposition(FIXTURE);
    expect(seriesOf(text, 'event_agent_auth_failures_total')).toEqual([
      'event_agent_auth_failures_total 1',
    ]);
    expect(seriesOf(text, 'event_agent_exporter_lines_total')).toEqual([
      'event_agent_exporter_lines_total 6',
    ]);
    expect(seriesOf(text, 'event_agent_exporter_malformed_lines_total')).toEqual([
      'event_agent_exporter_malformed_lines_total 1',
    ]);
    expect(seriesOf(text, 'event_agent_exporter_rotations_total')).toEqual([
      'event_agent_exporter_rotations_total 0',
    ]);
    expect(seriesOf(text, 'event_agent_exporter_lag_seconds')).toEqual([
      'event_agent_exporter_lag_seconds 10',
    ]);
  });

  it.each([
    [1, 'event_agent_health_up 1'],
    [0, 'event_agent_health_up 0'],
  ])('exposes the health probe result %i', async (health, line) => {
    expect(seriesOf(await exposition([], { health }), 'event_agent_health_up')).toEqual([line]);
  });

  it('leaves health_up out without a probe, and reports NaN (prom-client prints Nan, which Prometheus parses) for disk and lag when unknown', async () => {
    const text = await exposition([]);
    expect(text).not.toContain('event_agent_health_up');
    expect(seriesOf(text, 'event_agent_telemetry_disk_free_ratio')).toEqual([
      'event_agent_telemetry_disk_free_ratio Nan',
    ]);
    expect(seriesOf(text, 'event_agent_exporter_lag_seconds')).toEqual([
      'event_agent_exporter_lag_seconds Nan',
    ]);
  });

  it('bounds the action label under a cardinality attack', async () => {
    const junk = Array.from(
      { length: 10_000 },
      (_, i) => `{"ts":1,"action":"junk_${i}","success":true,"latency_ms":1}`,
    );
    const text = await exposition(junk);
    const series = seriesOf(text, 'event_agent_requests_total');
    const labels = TELEMETRY_ACTIONS.length + EXTRA_ACTIONS_CAP + 1;
    expect(series).toHaveLength(labels);
    expect(series).toContain(
      `event_agent_requests_total{action="other"} ${10_000 - EXTRA_ACTIONS_CAP}`,
    );
    expect(seriesOf(text, 'event_agent_latency_seconds_count')).toHaveLength(labels);
  });
});
