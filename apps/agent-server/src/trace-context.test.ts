import { describe, expect, it } from 'vitest';
import { newSpanId, newTraceId, parseTraceparent, resolveRequestTrace } from './trace-context.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads a valid header', () => {
    expect(parseTraceparent(`00-${T}-${S}-01`)).toEqual({ traceId: T, spanId: S, traceFlags: 1 });
  });

  it('accepts a future version with extra fields', () => {
    expect(parseTraceparent(`01-${T}-${S}-00-extra`)?.traceId).toBe(T);
  });

  it.each([
    ['uppercase hex', `00-${T.toUpperCase()}-${S}-01`],
    ['zero trace id', `00-${'0'.repeat(32)}-${S}-01`],
    ['zero span id', `00-${T}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${T}-${S}-01`],
    ['extra fields in version 00', `00-${T}-${S}-01-x`],
    ['short trace id', `00-${T.slice(1)}-${S}-01`],
    ['garbage', 'hello'],
  ])('ignores %s', (_label, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

describe('resolveRequestTrace', () => {
  it('prefers traceparent over X-Correlation-ID', () => {
    const trace = resolveRequestTrace(`00-${T}-${S}-01`, '5a4c3307-e1d3-49a8-a2d0-380669ae1bed');
    expect(trace.traceId).toBe(T);
    expect(trace.correlationId).toBe('5a4c3307-e1d3-49a8-a2d0-380669ae1bed');
  });

  it('echoes a plain correlation id without adopting it as trace id', () => {
    const trace = resolveRequestTrace(undefined, 'order-1234');
    expect(trace.correlationId).toBe('order-1234');
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not echo a correlation id with unsafe characters', () => {
    const trace = resolveRequestTrace(undefined, 'x\r\nSet-Cookie: a=b');
    expect(trace.correlationId).toBe(trace.traceId);
  });
});

describe('new ids', () => {
  it('are lowercase hex of W3C length and do not repeat', () => {
    const traces = new Set(Array.from({ length: 1000 }, () => newTraceId()));
    const spans = new Set(Array.from({ length: 1000 }, () => newSpanId()));
    expect(traces.size).toBe(1000);
    expect(spans.size).toBe(1000);
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});
