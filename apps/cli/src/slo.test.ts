import type { WindowMetrics } from '@eventkit/core/analysis';
import { isEventKitError } from '@eventkit/core/telemetry';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SLO_TARGETS, evaluateSlo } from './slo.js';
import { parseSloTargets } from './slo-targets-file.js';

const healthy: WindowMetrics = {
  window_hours: 24,
  total_requests: 100_000,
  success_rate: 99.5,
  error_rate: 0.5,
  latency_p50: 12,
  latency_p95: 40,
  latency_p99: 80,
  approximate: false,
  malformed_lines: 0,
  first_malformed: [],
  requests_per_second: 1.2,
};

describe('evaluateSlo', () => {
  it("passes healthy metrics against the seed's targets, in the table's order", () => {
    const result = evaluateSlo(healthy, DEFAULT_SLO_TARGETS);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => `${c.label} ${c.comparison}${c.target}${c.unit}`)).toEqual([
      'Success Rate >99%',
      'Latency P50 <25ms',
      'Latency P95 <50ms',
      'Latency P99 <100ms',
      'Error Rate <1%',
    ]);
  });

  it.each([
    ['success rate at exactly 99% (the target is >99%)', { success_rate: 99 }, 'success_rate_min'],
    ['p95 of 50ms', { latency_p95: 50 }, 'latency_p95_max_ms'],
    ['p99 over 100ms', { latency_p99: 140 }, 'latency_p99_max_ms'],
    ['error rate of 1.5%', { error_rate: 1.5 }, 'error_rate_max'],
    [
      'no requests at all (0% success)',
      { total_requests: 0, success_rate: 0, error_rate: 0 },
      'success_rate_min',
    ],
  ])('fails on %s', (_name, change, failing) => {
    const result = evaluateSlo({ ...healthy, ...change });
    expect(result.ok).toBe(false);
    expect(result.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([failing]);
  });

  it('checks the production request rate only when asked', () => {
    const result = evaluateSlo(healthy, { ...DEFAULT_SLO_TARGETS, requests_per_second_min: 10 });
    expect(result.checks[0]).toMatchObject({
      label: 'Request Rate',
      target: 10,
      actual: 1.2,
      ok: false,
    });
  });
});

describe('parseSloTargets', () => {
  it('accepts a partial targets file', () => {
    expect(parseSloTargets({ latency_p95_max_ms: 80 })).toEqual({ latency_p95_max_ms: 80 });
  });

  it.each([
    [{ latency_p95_max_ms: 'fast' }, 'slo.json: latency_p95_max_ms:'],
    [{ p95: 50 }, 'slo.json: (top level):'],
    [[], 'slo.json: (top level):'],
  ])('rejects %j naming the field', (json, message) => {
    let error: unknown;
    try {
      parseSloTargets(json, 'slo.json');
    } catch (e) {
      error = e;
    }
    expect(isEventKitError(error) && error.code).toBe('INVALID_INPUT');
    expect((error as Error).message.startsWith(message)).toBe(true);
  });
});
