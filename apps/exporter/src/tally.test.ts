import { LATENCY_BUCKETS_SECONDS } from '@eventkit/core/telemetry';
import { describe, expect, it } from 'vitest';
import { createTelemetryTally, type TallySnapshot, type TelemetryTally } from './tally.js';

function feed(tally: TelemetryTally, lines: string[]): void {
  for (const line of lines) {
    const bytes = Buffer.from(line);
    tally.countLine(bytes, 0, bytes.length);
  }
}

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ ts: 1767225600, action: 'recommend', success: true, latency_ms: 3, ...fields });
const gap = (payload: Record<string, unknown>) =>
  line({ action: 'telemetry_gap', success: false, latency_ms: 0, payload, error: 'ENOSPC' });
/** Index of the bucket `le="0.025"`. */
const LE_25MS = LATENCY_BUCKETS_SECONDS.indexOf(0.025);

describe('the tally of gap records', () => {
  it('adds payload.dropped to telemetryDropped, and nothing to requests, errors or latency', () => {
    const tally = createTelemetryTally();
    feed(tally, [gap({ dropped: 40, since: 1, until: 2 }), gap({ dropped: 2 }), line({})]);
    expect(tally.state.telemetryDropped).toBe(42);
    expect(tally.state.lines).toBe(3);
    expect(tally.state.malformedLines).toBe(0);
    const requests = Object.values(tally.state.actions).reduce((n, t) => n + t.requests, 0);
    const errors = Object.values(tally.state.actions).reduce((n, t) => n + t.errors, 0);
    expect([requests, errors]).toEqual([1, 0]);
  });

  it('gives the gap action no series of its own, and does not fold it into other', () => {
    const tally = createTelemetryTally();
    feed(tally, [gap({ dropped: 1 })]);
    expect(Object.keys(tally.state.actions)).not.toContain('telemetry_gap');
    expect(tally.state.actions.other?.requests).toBe(0);
    expect(tally.state.admittedActions).toEqual([]);
  });

  it.each([
    ['a negative count', { dropped: -1 }],
    ['a fraction', { dropped: 1.5 }],
    ['a string', { dropped: '3' }],
    ['no count', {}],
  ])('counts a gap record with %s as malformed', (_, payload) => {
    const tally = createTelemetryTally();
    feed(tally, [gap(payload)]);
    expect(tally.state.malformedLines).toBe(1);
    expect(tally.state.telemetryDropped).toBe(0);
  });
});

describe('the exemplars of the tally', () => {
  it('keeps, per bucket, the trace id, latency and ts of the latest line that landed in it', () => {
    const tally = createTelemetryTally();
    feed(tally, [
      line({ ts: 1, latency_ms: 20, trace_id: 'aaaa' }),
      line({ ts: 2, latency_ms: 15, trace_id: 'bbbb' }),
      line({ ts: 3, latency_ms: 2, trace_id: 'cccc' }),
    ]);
    const exemplars = tally.state.actions.recommend?.bucketExemplars;
    expect(exemplars?.[LE_25MS]).toEqual({ traceId: 'bbbb', value: 0.015, ts: 2 });
    expect(exemplars?.[0]).toEqual({ traceId: 'cccc', value: 0.002, ts: 3 });
    expect(exemplars?.filter(Boolean)).toHaveLength(2);
  });

  it('keeps the latest failed line as the errors exemplar, with value 1', () => {
    const tally = createTelemetryTally();
    feed(tally, [
      line({ ts: 1, success: false, trace_id: 'f1' }),
      line({ ts: 2, success: true, trace_id: 'ok' }),
    ]);
    expect(tally.state.actions.recommend?.errorExemplar).toEqual({
      traceId: 'f1',
      value: 1,
      ts: 1,
    });
  });

  it.each([
    ['none', undefined],
    ['an empty one', ''],
    ['one over 64 characters', 'a'.repeat(65)],
    ['one with a quote', 'a"b'],
    ['one with a space', 'a b'],
  ])('counts a line with %s as trace id without an exemplar, keeping the previous one', (_, id) => {
    const tally = createTelemetryTally();
    feed(tally, [line({ ts: 1, trace_id: 'kept' }), line({ ts: 2, trace_id: id })]);
    expect(tally.state.actions.recommend?.requests).toBe(2);
    expect(tally.state.actions.recommend?.bucketExemplars[0]?.traceId).toBe('kept');
  });

  it('keeps the earlier exemplar, of the bucket and of the errors, when a later failed line has an unusable trace id', () => {
    for (const readBetween of [false, true]) {
      const tally = createTelemetryTally();
      feed(tally, [line({ ts: 1, success: false, trace_id: 'kept' })]);
      if (readBetween) expect(tally.state.actions.recommend?.errorExemplar?.traceId).toBe('kept');
      feed(tally, [
        line({ ts: 2, success: false, trace_id: 'not usable' }),
        line({ ts: 3, success: false, trace_id: 'x'.repeat(65) }),
      ]);
      const counts = tally.state.actions.recommend;
      expect(counts?.errors).toBe(3);
      expect(counts?.bucketExemplars[0]).toEqual({ traceId: 'kept', value: 0.003, ts: 1 });
      expect(counts?.errorExemplar).toEqual({ traceId: 'kept', value: 1, ts: 1 });
    }
  });

  it('keeps its exemplars when the read buffer is reused for the next lines', () => {
    // As the file follower does: one buffer, overwritten by each read once its lines are counted.
    const buffer = Buffer.alloc(256);
    const countIn = (text: string) => {
      const length = buffer.write(text);
      tally.countLine(buffer, 0, length);
      buffer.fill('x');
    };
    const tally = createTelemetryTally();
    countIn(line({ ts: 1, latency_ms: 20, success: false, trace_id: 'first-batch' }));
    countIn(line({ ts: 2, latency_ms: 2, trace_id: 'second-batch' }));
    const counts = tally.state.actions.recommend;
    expect(counts?.bucketExemplars[LE_25MS]).toEqual({
      traceId: 'first-batch',
      value: 0.02,
      ts: 1,
    });
    expect(counts?.bucketExemplars[0]).toEqual({ traceId: 'second-batch', value: 0.002, ts: 2 });
    expect(counts?.errorExemplar).toEqual({ traceId: 'first-batch', value: 1, ts: 1 });
    expect(tally.snapshot().actions.recommend).toEqual(counts);
  });

  it('shows at each read the latest exemplar counted since the previous one', () => {
    const tally = createTelemetryTally();
    feed(tally, [line({ ts: 1, trace_id: 'one' })]);
    expect(tally.state.actions.recommend?.bucketExemplars[0]?.traceId).toBe('one');
    feed(tally, [line({ ts: 2, trace_id: 'two' })]);
    expect(tally.state.actions.recommend?.bucketExemplars[0]?.traceId).toBe('two');
    expect(tally.snapshot().actions.recommend?.bucketExemplars[0]?.traceId).toBe('two');
  });

  it('takes the trace id of a line outside the canonical shape (escapes, spacing) by the same rule', () => {
    const tally = createTelemetryTally();
    feed(tally, [
      '{ "ts" : 1, "action" : "recommend", "success" : true, "latency_ms" : 3, "trace_id" : "a\\u0042c" }',
      '{ "ts" : 2, "action" : "recommend", "success" : false, "latency_ms" : 3, "trace_id" : "a\\u0020c" }',
    ]);
    const counts = tally.state.actions.recommend;
    expect(counts?.requests).toBe(2);
    expect(counts?.bucketExemplars[0]).toEqual({ traceId: 'aBc', value: 0.003, ts: 1 });
    expect(counts?.errorExemplar).toBeNull();
  });

  it('survives a snapshot and restore, as the checkpoint does', () => {
    const tally = createTelemetryTally();
    feed(tally, [line({ trace_id: 'abc' }), gap({ dropped: 5 })]);
    const restored = createTelemetryTally(JSON.parse(JSON.stringify(tally.snapshot())));
    expect(restored.state).toEqual(tally.state);
  });

  it('restores a checkpoint written before exemplars and gap records', () => {
    const tally = createTelemetryTally();
    feed(tally, [line({})]);
    const old = JSON.parse(JSON.stringify(tally.snapshot())) as Partial<TallySnapshot>;
    delete old.telemetryDropped;
    for (const counts of Object.values(old.actions ?? {})) {
      delete (counts as Partial<typeof counts>).bucketExemplars;
      delete (counts as Partial<typeof counts>).errorExemplar;
    }
    const restored = createTelemetryTally(old as TallySnapshot);
    feed(restored, [line({ trace_id: 'new' }), gap({ dropped: 1 })]);
    expect(restored.state.actions.recommend?.requests).toBe(2);
    expect(restored.state.actions.recommend?.bucketExemplars[0]?.traceId).toBe('new');
    expect(restored.state.telemetryDropped).toBe(1);
  });
});
