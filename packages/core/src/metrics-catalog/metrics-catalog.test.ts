import { describe, expect, it } from 'vitest';
import { TELEMETRY_ACTIONS, TELEMETRY_GAP_ACTION } from '../telemetry/event.js';
import {
  type ActionFold,
  EXTRA_ACTIONS_CAP,
  foldAction,
  LATENCY_BUCKETS_SECONDS,
  METRIC_CATALOG,
  METRIC_NAMES,
  OTHER_ACTION,
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

  it('counts gap records in their own counter, and the gap action is not a request action', () => {
    expect(METRIC_CATALOG.telemetryDropped).toMatchObject({
      name: 'event_agent_telemetry_dropped_total',
      type: 'counter',
      labels: [],
    });
    expect(TELEMETRY_ACTIONS).not.toContain(TELEMETRY_GAP_ACTION);
  });

  it('has the DESIGN.md latency buckets in ascending order', () => {
    expect(LATENCY_BUCKETS_SECONDS).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
  });
});

describe('foldAction', () => {
  const fresh = (): ActionFold => ({ extras: new Set(), overflowed: false });

  it.each(TELEMETRY_ACTIONS)('keeps the known action %s, even with no room', (action) => {
    expect(foldAction(action, fresh(), 0)).toBe(action);
  });

  it('keeps the first cap identifier-like extras, in the order they come', () => {
    const fold = fresh();
    expect(['search', 'browse', 'search'].map((a) => foldAction(a, fold, 2))).toEqual([
      'search',
      'browse',
      'search',
    ]);
    expect([...fold.extras]).toEqual(['search', 'browse']);
    expect(fold.overflowed).toBe(false);
  });

  it('folds a newcomer past the cap into other and says it overflowed', () => {
    const fold = fresh();
    for (const action of ['search', 'browse']) foldAction(action, fold, 2);
    expect(foldAction('share', fold, 2)).toBe(OTHER_ACTION);
    expect(fold.overflowed).toBe(true);
    expect(foldAction('search', fold, 2)).toBe('search');
  });

  it.each(['', 'Recommend', 'a b', 'search-v2', "x' OR 1=1", 'other', 'x'.repeat(41)])(
    'folds %j into other without taking room or overflowing',
    (action) => {
      const fold = fresh();
      expect(foldAction(action, fold, 0)).toBe(OTHER_ACTION);
      expect(fold).toEqual(fresh());
    },
  );

  it(`bounds 10,000 distinct actions to the known ones + ${EXTRA_ACTIONS_CAP} + other`, () => {
    const fold = fresh();
    const names = new Set<string>(TELEMETRY_ACTIONS);
    for (let i = 0; i < 10_000; i++) names.add(foldAction(`junk_${i}`, fold));
    expect(names.size).toBe(TELEMETRY_ACTIONS.length + EXTRA_ACTIONS_CAP + 1);
  });
});
