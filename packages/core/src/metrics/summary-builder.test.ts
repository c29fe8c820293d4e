import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXTRA_ACTIONS_CAP } from '../metrics-catalog/metrics-catalog.js';
import {
  createSummaryBuilder,
  MAX_GAP_EPISODES,
  type SummaryEvent,
  summaryBuilderFromJSON,
} from './summary-builder.js';

const event = fc.record({
  ts: fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }),
  action: fc.constantFrom('recommend', 'explain', 'export', 'custom'),
  success: fc.boolean(),
  latency_ms: fc.double({ min: 0, max: 5000, noNaN: true }),
});

function build(events: SummaryEvent[]) {
  const builder = createSummaryBuilder();
  for (const e of events) builder.add(e);
  return builder;
}

describe('createSummaryBuilder', () => {
  it('computes the seed summary: totals, rates and shares in percent, exact p50/p95/p99 (linear)', () => {
    const events: SummaryEvent[] = [
      ...Array.from({ length: 8 }, (_, i) => ({
        ts: 100 + i,
        action: 'recommend',
        success: true,
        latency_ms: i + 1,
      })),
      { ts: 50, action: 'explain', success: false, latency_ms: 3 },
      { ts: 200, action: 'explain', success: true, latency_ms: 7 },
    ];
    expect(build(events).result()).toStrictEqual({
      total: 10,
      failures: 1,
      success_rate: 90,
      error_rate: 10,
      malformed_lines: 0,
      first_malformed: [],
      first_ts: 50,
      last_ts: 200,
      actions: {
        // numpy.percentile([1..8], [50, 95, 99]) and ([3, 7], …): positions (n - 1) * q.
        recommend: {
          count: 8,
          failures: 0,
          share: 80,
          p50_ms: 4.5,
          p95_ms: expect.closeTo(7.65, 12),
          p99_ms: expect.closeTo(7.93, 12),
        },
        explain: {
          count: 2,
          failures: 1,
          share: 20,
          p50_ms: 5,
          p95_ms: expect.closeTo(6.8, 12),
          p99_ms: expect.closeTo(6.96, 12),
        },
      },
      gaps: { records: 0, dropped: 0, episodes: [] },
      approximate: false,
    });
  });

  it('merged equals one pass, however the events are split', () => {
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 700 }), { maxLength: 4 }), (parts) => {
        const merged = createSummaryBuilder();
        for (const part of parts) merged.merge(summaryBuilderFromJSON(build(part).toJSON()));
        expect(merged.result()).toStrictEqual(build(parts.flat()).result());
      }),
      { numRuns: 60 },
    );
  });

  it('addBatch per action equals addSample per event', () => {
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 700 }), { maxLength: 4 }), (parts) => {
        const batched = createSummaryBuilder();
        for (const part of parts) {
          for (const action of new Set(part.map((e) => e.action))) {
            const of = part.filter((e) => e.action === action);
            const ts = of.map((e) => e.ts);
            batched.addBatch(
              action,
              Float64Array.from(of, (e) => e.latency_ms),
              of.length,
              of.filter((e) => !e.success).length,
              Math.min(...ts),
              Math.max(...ts),
            );
          }
        }
        // Before result(), which sorts the kept samples in place.
        expect(batched.toJSON()).toStrictEqual(build(parts.flat()).toJSON());
        expect(batched.result()).toStrictEqual(build(parts.flat()).result());
      }),
      { numRuns: 60 },
    );
  });

  const extras = (n: number) => Array.from({ length: n }, (_, i) => `extra_${i}`);
  const eventsOf = (actions: string[]) =>
    actions.map((action, i) => ({ ts: i, action, success: i % 4 !== 0, latency_ms: i }));

  it(`keeps up to ${EXTRA_ACTIONS_CAP} identifier-like extra actions apart, anything else is other`, () => {
    const names = [...extras(EXTRA_ACTIONS_CAP), 'recommend', 'search-v2', 'Recommend', 'other'];
    const summary = build(eventsOf([...names, ...names])).result();
    expect(Object.keys(summary.actions).sort()).toEqual(
      [...extras(EXTRA_ACTIONS_CAP), 'recommend', 'other'].sort(),
    );
    expect(summary.actions.other?.count).toBe(6);
  });

  it(`folds every extra action into other once more than ${EXTRA_ACTIONS_CAP} are seen, the same way when merged`, () => {
    const events = eventsOf(
      Array.from({ length: 600 }, (_, i) =>
        i % 3 === 0 ? 'recommend' : `extra_${i % (EXTRA_ACTIONS_CAP * 2)}`,
      ),
    );
    const single = build(events).result();
    expect(Object.keys(single.actions).sort()).toEqual(['other', 'recommend']);
    expect(single.actions.other?.count).toBe(events.filter((e) => e.action !== 'recommend').length);
    const merged = build(events.slice(0, 150));
    merged.merge(build(events.slice(150)));
    expect(merged.result()).toStrictEqual(single);
  });

  it('folds the same way however the parts are split and merged, below and beyond the cap', () => {
    const pool = ['recommend', 'explain', 'junk name', ...extras(EXTRA_ACTIONS_CAP + 4)];
    const part = fc.array(
      fc.record({
        ts: fc.integer({ min: 0, max: 1000 }),
        action: fc.constantFrom(...pool),
        success: fc.boolean(),
        latency_ms: fc.integer({ min: 0, max: 100 }),
      }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 4 }), (parts) => {
        const merged = createSummaryBuilder();
        for (const p of [...parts].reverse())
          merged.merge(summaryBuilderFromJSON(build(p).toJSON()));
        expect(merged.result()).toStrictEqual(build(parts.flat()).result());
      }),
      { numRuns: 100 },
    );
  });

  it('registers no extra action for an empty batch, so only counted actions take room', () => {
    const builder = createSummaryBuilder();
    for (const name of extras(EXTRA_ACTIONS_CAP + 1))
      builder.addBatch(name, new Float64Array(0), 0, 0, 0, 0);
    builder.addBatch('recommend', new Float64Array(0), 0, 0, 0, 0);
    builder.add({ ts: 1, action: 'search', success: true, latency_ms: 1 });
    expect(builder.toJSON()).toMatchObject({ folded: false });
    expect(builder.toJSON().actions.map((a) => a.name)).toEqual(['recommend', 'search']);
  });

  it.each([
    ['a negative latency', { ts: 1, action: 'a', success: true, latency_ms: -1 }],
    ['a NaN timestamp', { ts: Number.NaN, action: 'a', success: true, latency_ms: 1 }],
    ['an empty action', { ts: 1, action: '', success: true, latency_ms: 1 }],
    [
      'a non-boolean success',
      { ts: 1, action: 'a', success: 'yes' as unknown as boolean, latency_ms: 1 },
    ],
  ])('skips and counts %s instead of throwing', (_name, bad) => {
    const builder = build([{ ts: 1, action: 'a', success: true, latency_ms: 2 }]);
    expect(builder.add(bad)).toBe(false);
    expect(builder.result()).toMatchObject({ total: 1, malformed_lines: 1 });
  });

  it('keeps the first five malformed lines in order, across merges', () => {
    const a = createSummaryBuilder();
    const b = createSummaryBuilder();
    for (let line = 1; line <= 3; line++) a.addMalformed({ file: 'a', line, reason: 'x' });
    for (let line = 1; line <= 4; line++) b.addMalformed({ file: 'b', line, reason: 'x' });
    a.merge(b);
    const { malformed_lines, first_malformed } = a.result();
    expect(malformed_lines).toBe(7);
    expect(first_malformed.map((m) => `${m.file}:${m.line}`)).toEqual([
      'a:1',
      'a:2',
      'a:3',
      'b:1',
      'b:2',
    ]);
  });
});

describe('createSummaryBuilder with gap records', () => {
  const gap = (ts: number, dropped: number, reason: string) => ({
    ts,
    action: 'telemetry_gap',
    success: false,
    latency_ms: 0,
    payload: { dropped, since: ts - 10, until: ts - 1 },
    error: reason,
  });

  it('collects them as gaps, not requests, and merges them in time order', () => {
    const a = createSummaryBuilder();
    a.add({ ts: 1, action: 'recommend', success: true, latency_ms: 3 });
    a.add(gap(500, 4, 'EACCES: permission denied'));
    const b = createSummaryBuilder();
    b.add(gap(100, 6, 'ENOSPC: disk full'));
    a.merge(b);
    const summary = a.result();
    expect(summary).toMatchObject({ total: 1, failures: 0, last_ts: 1 });
    expect(summary.gaps).toEqual({
      records: 2,
      dropped: 10,
      episodes: [
        { dropped: 6, since: 90, until: 99, reason: 'ENOSPC: disk full' },
        { dropped: 4, since: 490, until: 499, reason: 'EACCES: permission denied' },
      ],
    });
  });

  it(`lists at most ${MAX_GAP_EPISODES} episodes and counts all of them`, () => {
    const builder = createSummaryBuilder();
    for (let i = MAX_GAP_EPISODES + 5; i > 0; i--) builder.add(gap(i * 100, 1, 'EIO'));
    const { gaps } = builder.result();
    expect(gaps.records).toBe(MAX_GAP_EPISODES + 5);
    expect(gaps.dropped).toBe(MAX_GAP_EPISODES + 5);
    expect(gaps.episodes).toHaveLength(MAX_GAP_EPISODES);
    expect(gaps.episodes[0]?.since).toBe(90);
  });
});

describe('a summary builder by instance', () => {
  const event = (i: number, instance?: string) => ({
    ts: 1_732_540_000 + i,
    action: i % 3 ? 'recommend' : 'explain',
    success: i % 5 !== 0,
    latency_ms: (i * 7) % 31,
    ...(instance === undefined ? {} : { instance }),
  });

  it("routes each event to its instance's summary, merges and travels as data", () => {
    const grouped = createSummaryBuilder({ byInstance: true });
    const alone = new Map<string, ReturnType<typeof createSummaryBuilder>>();
    for (let i = 0; i < 300; i++) {
      const name = ['a', 'b', undefined][i % 3];
      grouped.add(event(i, name));
      const key = name ?? '(none)';
      if (!alone.has(key)) alone.set(key, createSummaryBuilder());
      alone.get(key)?.add(event(i, name));
    }
    const { instances, ...fleet } = grouped.result();
    expect(Object.keys(instances ?? {})).toEqual(['(none)', 'a', 'b']);
    for (const [name, builder] of alone) expect(instances?.[name]).toEqual(builder.result());
    expect(fleet.total).toBe(300);
    const copy = summaryBuilderFromJSON(structuredClone(grouped.toJSON()));
    expect(copy.result()).toEqual(grouped.result());
    const twice = createSummaryBuilder();
    twice.merge(grouped);
    twice.merge(copy);
    expect(twice.result().instances?.a?.total).toBe(200);
  });
});
