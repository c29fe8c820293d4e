import { describe, expect, it } from 'vitest';
import { TELEMETRY_ACTIONS } from '../telemetry/event.js';
import {
  createActionFolder,
  EXTRA_ACTIONS_CAP,
  exposedSeriesNames,
  LATENCY_BUCKETS_SECONDS,
  METRIC_CATALOG,
  METRIC_NAMES,
} from './metrics-catalog.js';

describe('METRIC_CATALOG', () => {
  it('describes every name of METRIC_NAMES under the same key', () => {
    for (const [key, name] of Object.entries(METRIC_NAMES)) {
      expect(METRIC_CATALOG[key as keyof typeof METRIC_NAMES].name).toBe(name);
    }
  });

  it('names counters with _total and nothing else', () => {
    for (const metric of Object.values(METRIC_CATALOG)) {
      expect(metric.name.endsWith('_total')).toBe(metric.type === 'counter');
    }
  });

  it('has the DESIGN.md latency buckets in ascending order', () => {
    expect(LATENCY_BUCKETS_SECONDS).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
  });

  it('expands the histogram into its three series', () => {
    expect(exposedSeriesNames()).toEqual(
      expect.arrayContaining([
        'event_agent_latency_seconds_bucket',
        'event_agent_latency_seconds_sum',
        'event_agent_latency_seconds_count',
      ]),
    );
    expect(exposedSeriesNames()).not.toContain('event_agent_latency_seconds');
  });
});

describe('createActionFolder', () => {
  it.each(TELEMETRY_ACTIONS)('keeps the known action %s', (action) => {
    expect(createActionFolder({ cap: 0 }).fold(action)).toBe(action);
  });

  it('admits up to cap extra actions, then folds into other', () => {
    const folder = createActionFolder({ cap: 2 });
    expect(['search', 'browse', 'search', 'share'].map(folder.fold)).toEqual([
      'search',
      'browse',
      'search',
      'other',
    ]);
    expect(folder.admitted()).toEqual(['search', 'browse']);
  });

  it.each(['', 'Recommend', 'a b', "x' OR 1=1", 'other', 'x'.repeat(41)])(
    'folds %j into other without admitting it',
    (action) => {
      const folder = createActionFolder();
      expect(folder.fold(action)).toBe('other');
      expect(folder.admitted()).toEqual([]);
    },
  );

  it('bounds 10,000 distinct actions to the known set + cap + other', () => {
    const folder = createActionFolder();
    const labels = new Set<string>();
    for (let i = 0; i < 10_000; i++) labels.add(folder.fold(`junk_${i}`));
    expect(labels.size).toBe(EXTRA_ACTIONS_CAP + 1);
  });

  it('restores the admitted actions of a checkpoint', () => {
    const folder = createActionFolder({ admitted: ['search'], cap: 1 });
    expect(folder.fold('browse')).toBe('other');
    expect(folder.fold('search')).toBe('search');
  });
});
