import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatTelemetryLine,
  MAX_PAYLOAD_DEPTH,
  parseTelemetryLine,
  validateTelemetryEvent,
} from './event.js';
import { eventInputs } from './test-support/event-inputs.js';

const legacyFixture = new URL(
  '../../../../fixtures/python-eventkit/python-eventkit-telemetry.jsonl',
  import.meta.url,
);

describe('parseTelemetryLine', () => {
  it('accepts a line in the DESIGN.md format', () => {
    const parsed = parseTelemetryLine(
      '{"ts":1732540000.123,"action":"recommend","success":true,"latency_ms":12.5,"payload":{"top":5},"error":null,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
    );
    expect(parsed).toEqual({
      ok: true,
      event: {
        ts: 1732540000.123,
        action: 'recommend',
        success: true,
        latency_ms: 12.5,
        payload: { top: 5 },
        error: null,
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      },
    });
  });

  it('keeps the instance that wrote the line, and formats it back after trace_id', () => {
    const line =
      '{"ts":1,"action":"recommend","success":true,"latency_ms":2,"payload":{},"error":null,"trace_id":"t1","instance":"api-2"}\n';
    const parsed = parseTelemetryLine(line);
    expect(parsed).toMatchObject({ ok: true, event: { trace_id: 't1', instance: 'api-2' } });
    expect(parsed.ok && formatTelemetryLine(parsed.event)).toBe(line);
  });

  it('normalises every line of the Python Event Kit fixture', () => {
    const lines = readFileSync(legacyFixture, 'utf8').split('\n').filter(Boolean);
    const events = lines.map(parseTelemetryLine);
    expect(events.every((parsed) => parsed.ok)).toBe(true);
    const first = events[0];
    expect(first?.ok && first.event).toMatchObject({
      ts: 1766006109.4001617,
      latency_ms: 1,
      trace_id: '5a4c3307-e1d3-49a8-a2d0-380669ae1bed',
    });
  });

  it.each([
    ['blank', '   ', 'blank line'],
    ['invalid JSON', '{"ts":1,', 'invalid JSON'],
    ['an array', '[1,2]', 'not a JSON object'],
    ['a string ts', '{"ts":"x","action":"a","success":true,"latency_ms":1}', 'ts:'],
    ['a negative latency', '{"ts":1,"action":"a","success":true,"latency_ms":-1}', 'latency_ms:'],
    ['a missing success', '{"ts":1,"action":"a","latency_ms":1}', 'success:'],
    [
      'a payload nested too deep to write back',
      `{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
      'payload: is nested deeper than 32 levels',
    ],
  ])('rejects %s with a reason', (_name, line, reason) => {
    const parsed = parseTelemetryLine(line);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });
});

describe('MAX_PAYLOAD_DEPTH', () => {
  it('still accepts a payload nested exactly that deep', () => {
    const nested = `${'['.repeat(MAX_PAYLOAD_DEPTH - 1)}${']'.repeat(MAX_PAYLOAD_DEPTH - 1)}`;
    const parsed = parseTelemetryLine(
      `{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":{"x":${nested}}}`,
    );
    expect(parsed.ok).toBe(true);
  });
});

describe('formatTelemetryLine', () => {
  it('round-trips through parseTelemetryLine', () => {
    const event = {
      ts: 1.5,
      action: 'explain',
      success: false,
      latency_ms: 0.25,
      payload: { returned: 0 },
      error: 'session not found',
    };
    const line = formatTelemetryLine(event);
    expect(line.endsWith('\n')).toBe(true);
    expect(parseTelemetryLine(line)).toEqual({ ok: true, event });
  });

  it('is JSON.stringify of the event in schema order', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            ts: fc.double(),
            action: fc.string(),
            success: fc.boolean(),
            latency_ms: fc.double(),
            payload: fc.dictionary(fc.string(), fc.jsonValue()),
            error: fc.option(fc.string(), { nil: null }),
            trace_id: fc.string(),
            instance: fc.string(),
          },
          { requiredKeys: ['ts', 'action', 'success', 'latency_ms', 'payload', 'error'] },
        ),
        (event) => {
          const { ts, action, success, latency_ms, payload, error, trace_id, instance } = event;
          const ordered = { ts, action, success, latency_ms, payload, error, trace_id, instance };
          expect(formatTelemetryLine(event)).toBe(`${JSON.stringify(ordered)}\n`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/** No value reachable only through a prototype, which JSON would not write. */
function ownDataOnly(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype) return false;
  return Object.values(value).every(ownDataOnly);
}

/** `depth` containers, the outermost being the payload itself. */
function nestedPayload(depth: number): Record<string, unknown> {
  let value: unknown = [];
  for (let level = 2; level < depth; level++) value = [value];
  return { x: value };
}

describe('validateTelemetryEvent', () => {
  const base = { ts: 1, action: 'a', success: true, latency_ms: 1 };

  it('accepts exactly what formatTelemetryLine writes and parseTelemetryLine reads back', () => {
    fc.assert(
      fc.property(eventInputs, (input) => {
        const checked = validateTelemetryEvent(input);
        if (!checked.ok) return;
        expect(parseTelemetryLine(formatTelemetryLine(checked.event))).toStrictEqual(checked);
        expect(ownDataOnly(checked.event.payload)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('fills payload {} and error null, and leaves out an undefined trace_id', () => {
    expect(validateTelemetryEvent({ ...base, trace_id: undefined, extra: 1 })).toStrictEqual({
      ok: true,
      event: { ...base, payload: {}, error: null },
    });
  });

  it.each([
    ['an undefined value is left out', { a: undefined, b: 1 }, { b: 1 }],
    ['a function or a symbol is left out', { f: () => 1, s: Symbol('s') }, {}],
    ['in an array, undefined becomes null', { a: [undefined, () => 1] }, { a: [null, null] }],
    // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
    ['a hole becomes null', { a: [1, , 3] }, { a: [1, null, 3] }],
    [
      'a non-finite number becomes null',
      { n: Number.NaN, i: [Number.NEGATIVE_INFINITY] },
      { n: null, i: [null] },
    ],
    ['-0 becomes 0', { z: -0 }, { z: 0 }],
    [
      'an object without a prototype is a plain object',
      Object.assign(Object.create(null), { a: 1 }),
      { a: 1 },
    ],
  ])('takes the payload as JSON writes it: %s', (_name, payload, written) => {
    const checked = validateTelemetryEvent({ ...base, payload });
    expect(checked).toStrictEqual({ ok: true, event: { ...base, payload: written, error: null } });
  });

  it('writes -0 for ts or latency_ms as 0', () => {
    const checked = validateTelemetryEvent({ ...base, ts: -0, latency_ms: -0 });
    expect(
      checked.ok && Object.is(checked.event.ts, 0) && Object.is(checked.event.latency_ms, 0),
    ).toBe(true);
  });

  it.each([
    [
      'a payload nested 33 levels deep',
      nestedPayload(MAX_PAYLOAD_DEPTH + 1),
      'payload: is nested deeper than 32 levels',
    ],
    [
      'a payload that contains itself',
      (() => {
        const p: Record<string, unknown> = {};
        p.self = p;
        return p;
      })(),
      'payload: is nested deeper than 32 levels',
    ],
    ['a bigint', { n: [1n] }, 'payload.n.0: a bigint cannot be written as JSON'],
    [
      'a Date',
      { at: new Date(0) },
      'payload.at: Invalid input: expected a plain object or array, received Date',
    ],
    [
      'a Map payload',
      new Map(),
      'payload: Invalid input: expected a plain object or array, received Map',
    ],
    [
      'a "__proto__" key',
      { a: JSON.parse('{"__proto__":{}}') },
      'payload.a: a "__proto__" key cannot be read back as written',
    ],
  ])('refuses %s, which JSON could not write as given', (_name, payload, reason) => {
    expect(validateTelemetryEvent({ ...base, payload })).toEqual({ ok: false, reason });
  });

  it('accepts a payload nested exactly MAX_PAYLOAD_DEPTH levels deep', () => {
    expect(validateTelemetryEvent({ ...base, payload: nestedPayload(MAX_PAYLOAD_DEPTH) }).ok).toBe(
      true,
    );
  });

  it.each([
    ['null', null, 'event: Invalid input: expected object, received null'],
    [
      'an empty action',
      { ...base, action: '' },
      'action: Too small: expected string to have >=1 characters',
    ],
    [
      'a trace_id of 201 characters',
      { ...base, trace_id: 't'.repeat(201) },
      'trace_id: Too big: expected string to have <=200 characters',
    ],
    [
      'an instance of 201 characters',
      { ...base, instance: 'i'.repeat(201) },
      'instance: Too big: expected string to have <=200 characters',
    ],
    [
      'an instance that is not a string',
      { ...base, instance: 7 },
      'instance: Invalid input: expected string, received number',
    ],
  ])('refuses %s with the same reason a reader gives', (_name, input, reason) => {
    expect(validateTelemetryEvent(input)).toEqual({ ok: false, reason });
  });
});
