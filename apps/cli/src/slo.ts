import type { WindowMetrics } from '@eventkit/core/analysis';

/**
 * Service-level targets, from the seed's "Key Metrics" table. Every field is optional; a missing
 * one is not checked. Comparisons are strict, as the table writes them (">99%", "<25ms").
 */
export interface SloTargets {
  /** Success rate must be above this (percent). */
  success_rate_min?: number | undefined;
  /** Error rate must be below this (percent). */
  error_rate_max?: number | undefined;
  latency_p50_max_ms?: number | undefined;
  latency_p95_max_ms?: number | undefined;
  latency_p99_max_ms?: number | undefined;
  /** Request rate must be above this (per second) — a production traffic expectation. */
  requests_per_second_min?: number | undefined;
}

/**
 * The seed's targets that telemetry can check: success rate >99%, p50 <25ms, p95 <50ms,
 * p99 <100ms (manifest source), error rate <1%. Left out on purpose: request rate >10/s (a
 * traffic level of a busy production, not a quality objective — a quiet hour would fail it;
 * add `requests_per_second_min: 10` to check it) and uptime >99.9% (health probes measure it,
 * not telemetry).
 *
 * @example
 * evaluateSlo(metrics, { ...DEFAULT_SLO_TARGETS, latency_p95_max_ms: 80, requests_per_second_min: 10 });
 */
export const DEFAULT_SLO_TARGETS: Readonly<SloTargets> = Object.freeze({
  success_rate_min: 99,
  error_rate_max: 1,
  latency_p50_max_ms: 25,
  latency_p95_max_ms: 50,
  latency_p99_max_ms: 100,
});

export interface SloCheck {
  /** The target's key, e.g. `latency_p95_max_ms`. */
  name: keyof SloTargets;
  /** What the seed's table calls it, e.g. `Latency P95`. */
  label: string;
  comparison: '>' | '<';
  target: number;
  actual: number;
  unit: '%' | 'ms' | '/s';
  ok: boolean;
}

export interface SloResult {
  ok: boolean;
  checks: SloCheck[];
}

const CHECKS: {
  name: keyof SloTargets;
  label: string;
  comparison: '>' | '<';
  unit: SloCheck['unit'];
  actual: (metrics: WindowMetrics) => number;
}[] = [
  {
    name: 'requests_per_second_min',
    label: 'Request Rate',
    comparison: '>',
    unit: '/s',
    actual: (m) => m.requests_per_second,
  },
  {
    name: 'success_rate_min',
    label: 'Success Rate',
    comparison: '>',
    unit: '%',
    actual: (m) => m.success_rate,
  },
  {
    name: 'latency_p50_max_ms',
    label: 'Latency P50',
    comparison: '<',
    unit: 'ms',
    actual: (m) => m.latency_p50,
  },
  {
    name: 'latency_p95_max_ms',
    label: 'Latency P95',
    comparison: '<',
    unit: 'ms',
    actual: (m) => m.latency_p95,
  },
  {
    name: 'latency_p99_max_ms',
    label: 'Latency P99',
    comparison: '<',
    unit: 'ms',
    actual: (m) => m.latency_p99,
  },
  {
    name: 'error_rate_max',
    label: 'Error Rate',
    comparison: '<',
    unit: '%',
    actual: (m) => m.error_rate,
  },
];

/**
 * Checks window metrics against targets, in the seed's table order. The comparisons are applied
 * to the metrics as they are: with no requests in the window the success rate is 0%, so the
 * success-rate target fails — no telemetry is itself worth an alert.
 *
 * @example
 * const result = evaluateSlo(await calculateMetrics('telemetry.jsonl'), DEFAULT_SLO_TARGETS);
 * for (const c of result.checks) console.log(`${c.label} ${c.comparison}${c.target}${c.unit}: ${c.ok ? 'PASS' : 'FAIL'}`);
 * process.exitCode = result.ok ? 0 : 1;
 */
export function evaluateSlo(
  metrics: WindowMetrics,
  targets: SloTargets = DEFAULT_SLO_TARGETS,
): SloResult {
  const checks: SloCheck[] = [];
  for (const { name, label, comparison, unit, actual } of CHECKS) {
    const target = targets[name];
    if (target === undefined) continue;
    const value = actual(metrics);
    const ok = comparison === '>' ? value > target : value < target;
    checks.push({ name, label, comparison, target, actual: value, unit, ok });
  }
  return { ok: checks.every((check) => check.ok), checks };
}
