import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseLegacy, type ParsedLine, parseTelemetryLine } from './event.js';
import { telemetryEventSchema } from './event-schema.js';

/** What parseTelemetryLine returned when it validated with the zod schema itself. */
function zodReference(text: string): ParsedLine {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const result = telemetryEventSchema.safeParse(normaliseLegacy(raw));
  if (result.success) return { ok: true, event: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || 'event'}: ${issue?.message}` };
}

// Markers replaced in the JSON text by what JSON.stringify cannot write: numbers that parse to
// ±Infinity, and arrays nested around the 32-level payload limit.
const special = fc.oneof(
  fc.constant('@INF'),
  fc.constant('@NEGINF'),
  fc.integer({ min: 29, max: 35 }).map((depth) => `@DEPTH${depth}`),
);
const toJsonText = (value: unknown) =>
  JSON.stringify(value)
    .replaceAll('"@INF"', '1e999')
    .replaceAll('"@NEGINF"', '-1e999')
    .replace(/"@DEPTH(\d+)"/g, (_m, depth) => {
      const n = Number(depth);
      return `${'['.repeat(n)}${']'.repeat(n)}`;
    });

const value = fc.oneof(
  fc.double(),
  fc.integer({ min: -5, max: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.string({ minLength: 198, maxLength: 202 }),
  fc.constant(''),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(special, fc.jsonValue({ maxDepth: 2 })), {
    maxKeys: 3,
  }),
  fc.constant(JSON.parse('{"__proto__":{"x":[[1]]},"k":2}')), // an own "__proto__" key
  special,
);

const event = fc.record(
  {
    ts: value,
    action: value,
    success: value,
    latency_ms: value,
    payload: value,
    error: value,
    trace_id: value,
    instance: value,
    timestamp: value,
    start: value,
    duration_ms: value,
    correlation_id: value,
    extra: value,
  },
  { requiredKeys: [] },
);

describe('parseTelemetryLine without zod', () => {
  it('gives exactly the zod schema’s result — event or first issue — for any JSON object', () => {
    fc.assert(
      fc.property(event, (input) => {
        const text = toJsonText(input);
        const mine = parseTelemetryLine(text);
        const reference = zodReference(text);
        expect(mine).toEqual(reference);
        if (mine.ok && reference.ok) {
          expect(Object.keys(mine.event)).toEqual(Object.keys(reference.event));
          expect(JSON.stringify(mine.event)).toBe(JSON.stringify(reference.event));
        }
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    [
      '{"ts":1e999,"action":"a","success":true,"latency_ms":1}',
      'ts: Invalid input: expected number, received Infinity',
    ],
    [
      '{"ts":1,"action":"","success":true,"latency_ms":1}',
      'action: Too small: expected string to have >=1 characters',
    ],
    [
      '{"ts":1,"action":"a","success":1,"latency_ms":1}',
      'success: Invalid input: expected boolean, received number',
    ],
    [
      '{"ts":1,"action":"a","success":true,"latency_ms":-1}',
      'latency_ms: Too small: expected number to be >=0',
    ],
    [
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":[]}',
      'payload: Invalid input: expected record, received array',
    ],
    [
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"trace_id":null}',
      'trace_id: Invalid input: expected string, received null',
    ],
  ])('rejects %s with the schema’s message', (line, reason) => {
    expect(parseTelemetryLine(line)).toEqual({ ok: false, reason });
    expect(zodReference(line)).toEqual({ ok: false, reason });
  });
});
