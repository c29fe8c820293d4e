import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ParsedLine, parseTelemetryLine } from '../telemetry/event.js';
import { createLineDecoder } from './line-decoder.js';
import { anyLine } from './test-support/telemetry-arbitraries.js';

/** The definition of a valid line: UTF-8, then parseTelemetryLine. */
function reference(bytes: Buffer): ParsedLine {
  if (!isUtf8(bytes)) return { ok: false, reason: 'invalid UTF-8' };
  return parseTelemetryLine(bytes.toString('utf8'));
}

const decoder = createLineDecoder();

/** Decodes the line between other bytes, as it sits in a read buffer, and compares. */
function expectSameAsReference(bytes: Buffer): void {
  const padded = Buffer.concat([Buffer.from('{"x":1}\n'), bytes, Buffer.from('\n,}"1 ')]);
  const ok = decoder.decode(padded, 8, 8 + bytes.length);
  const parsed = reference(bytes);
  expect(ok, bytes.toString('latin1')).toBe(parsed.ok);
  if (!parsed.ok) {
    expect(decoder.reason).toBe(parsed.reason);
    return;
  }
  const { ts, action, success, latency_ms, trace_id, instance } = parsed.event;
  expect({
    ts: decoder.ts,
    action: decoder.action,
    success: decoder.success,
    latency_ms: decoder.latencyMs,
    trace_id: decoder.traceId,
    instance: decoder.instance,
  }).toStrictEqual({ ts, action, success, latency_ms, trace_id, instance });
  if (decoder.traceStart >= 0) {
    expect(padded.toString('latin1', decoder.traceStart, decoder.traceEnd)).toBe(trace_id);
  } else expect(decoder.traceEnd).toBe(-1);
  expect(decoder.event()).toStrictEqual(parsed.event);
}

describe('createLineDecoder', () => {
  it("gives a line's instance (escaped or not), and undefined for a line without one", () => {
    const withInstance = Buffer.from(
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":{},"error":null,"instance":"web1-w2"}',
    );
    expect(decoder.decode(withInstance, 0, withInstance.length)).toBe(true);
    expect(decoder.instance).toBe('web1-w2');
    const escaped = Buffer.from(
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"instance":"web1-w\\u0032"}',
    );
    expect(decoder.decode(escaped, 0, escaped.length)).toBe(true);
    expect(decoder.instance).toBe('web1-w2');
    const without = Buffer.from('{"ts":1,"action":"a","success":true,"latency_ms":1}');
    expect(decoder.decode(without, 0, without.length)).toBe(true);
    expect(decoder.instance).toBeUndefined();
  });

  it('decodes exactly what parseTelemetryLine accepts, with the same event (random, mutated and other lines)', () => {
    fc.assert(fc.property(anyLine, expectSameAsReference), { numRuns: 7000 });
  });

  it.each([
    [
      'our writer',
      '{"ts":1732540000.123,"action":"recommend","success":true,"latency_ms":12.5,"payload":{"top":5},"error":null,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
    ],
    [
      'another encoder',
      '{ "action" : "explain", "ts" : 1, "success" : false, "latency_ms" : 0, "error" : "café" }',
    ],
    ['legacy field names', '{"timestamp":1,"action":"a","success":true,"duration_ms":1}'],
    ['an escaped action', '{"ts":1,"action":"a\\"b","success":true,"latency_ms":1}'],
    [
      'a trace id with an escape',
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"trace_id":"\\u0041"}',
    ],
    [
      'our writer with an instance',
      '{"ts":1,"action":"recommend","success":true,"latency_ms":2,"payload":{},"error":null,"trace_id":"4bf9","instance":"web1-w2"}',
    ],
    [
      'an instance from another encoder',
      '{ "instance" : "web1", "ts" : 1, "action" : "a", "success" : true, "latency_ms" : 1 }',
    ],
    [
      'an escaped instance',
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"instance":"w\\u00e9"}',
    ],
    [
      'an instance that is not a string',
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"instance":null}',
    ],
    [
      'an instance too long',
      `{"ts":1,"action":"a","success":true,"latency_ms":1,"instance":"${'i'.repeat(201)}"}`,
    ],
    ['invalid JSON', '{"ts":'],
    ['a negative latency', '{"ts":1,"action":"a","success":true,"latency_ms":-1}'],
    ['a blank line', ''],
  ])('agrees with parseTelemetryLine on %s', (_name, line) => {
    expectSameAsReference(Buffer.from(line));
  });

  it('says why a line is malformed', () => {
    expect(decoder.decode(Buffer.from([0xff]), 0, 1)).toBe(false);
    expect(decoder.reason).toBe('invalid UTF-8');
    const line = Buffer.from('{"ts":1,"action":"a","success":"yes","latency_ms":1}');
    expect(decoder.decode(line, 0, line.length)).toBe(false);
    expect(decoder.reason).toMatch(/^success/);
  });

  it("gives the trace id's byte range for a canonical line, and -1 where only `traceId` has it", () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    const line = Buffer.from(
      `xx{"ts":1,"action":"a","success":true,"latency_ms":1,"trace_id":"${id}"}`,
    );
    expect(decoder.decode(line, 2, line.length)).toBe(true);
    expect(line.toString('latin1', decoder.traceStart, decoder.traceEnd)).toBe(id);
    const none = Buffer.from('{"ts":1,"action":"a","success":true,"latency_ms":1}');
    expect(decoder.decode(none, 0, none.length)).toBe(true);
    expect([decoder.traceStart, decoder.traceEnd, decoder.traceId]).toEqual([-1, -1, undefined]);
    const escaped = Buffer.from(
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"trace_id":"\\u0041"}',
    );
    expect(decoder.decode(escaped, 0, escaped.length)).toBe(true);
    expect([decoder.traceStart, decoder.traceEnd, decoder.traceId]).toEqual([-1, -1, 'A']);
  });
});
