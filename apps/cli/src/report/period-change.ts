import type { PeriodView } from './report-model.js';

/**
 * What counts as a regression: a latency percentile at least 10% and half a millisecond
 * slower, or an error rate at least half a point higher. Small wobbles between periods are the
 * norm; the highlight is for what an operator should look at.
 */
export const REGRESSION = { latencyRatio: 1.1, latencyMinMs: 0.5, errorRatePoints: 0.5 } as const;

export type Direction = 'regression' | 'improvement' | 'same';

export interface ChangeRow {
  /** Stable key, also the `data-metric` of the row (`p95_ms`, `actions.recommend.p95_ms`). */
  key: string;
  label: string;
  unit: 'count' | '%' | 'ms';
  previous: number;
  current: number;
  direction: Direction;
}

function latencyDirection(previous: number, current: number): Direction {
  if (previous <= 0 || current <= 0) return 'same';
  const worse = (a: number, b: number) =>
    b >= a * REGRESSION.latencyRatio && b - a >= REGRESSION.latencyMinMs;
  if (worse(previous, current)) return 'regression';
  if (worse(current, previous)) return 'improvement';
  return 'same';
}

function errorDirection(previous: number, current: number, count: number): Direction {
  if (count === 0) return 'same';
  if (current - previous >= REGRESSION.errorRatePoints) return 'regression';
  if (previous - current >= REGRESSION.errorRatePoints) return 'improvement';
  return 'same';
}

/**
 * The change from the previous period to this one: totals, error rate, latency over all
 * actions (the SLO's), then each action present in both periods.
 */
export function periodChanges(current: PeriodView, previous: PeriodView): ChangeRow[] {
  const rows: ChangeRow[] = [];
  const now = current.summary;
  const before = previous.summary;
  rows.push({
    key: 'total',
    label: 'Requests',
    unit: 'count',
    previous: before.total,
    current: now.total,
    direction: 'same',
  });
  rows.push({
    key: 'error_rate',
    label: 'Error rate',
    unit: '%',
    previous: before.error_rate,
    current: now.error_rate,
    direction: errorDirection(before.error_rate, now.error_rate, Math.min(now.total, before.total)),
  });
  for (const q of ['p50_ms', 'p95_ms', 'p99_ms'] as const) {
    rows.push({
      key: `overall.${q}`,
      label: `Latency ${q.slice(0, 3)} (all actions)`,
      unit: 'ms',
      previous: previous.overall[q],
      current: current.overall[q],
      direction: latencyDirection(previous.overall[q], current.overall[q]),
    });
  }
  for (const [name, stats] of Object.entries(now.actions)) {
    const old = before.actions[name];
    if (old === undefined) continue;
    const rate = (a: { count: number; failures: number }) =>
      a.count > 0 ? (a.failures / a.count) * 100 : 0;
    rows.push({
      key: `actions.${name}.error_rate`,
      label: `${name} error rate`,
      unit: '%',
      previous: rate(old),
      current: rate(stats),
      direction: errorDirection(rate(old), rate(stats), Math.min(old.count, stats.count)),
    });
    for (const q of ['p50_ms', 'p95_ms', 'p99_ms'] as const) {
      rows.push({
        key: `actions.${name}.${q}`,
        label: `${name} ${q.slice(0, 3)}`,
        unit: 'ms',
        previous: old[q],
        current: stats[q],
        direction: latencyDirection(old[q], stats[q]),
      });
    }
  }
  return rows;
}
