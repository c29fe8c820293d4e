// Telemetry lines and their mutations for the scanners' tests: fast-check generators, and every
// single-byte change of a line.
import fc from 'fast-check';
import { formatTelemetryLine, type TelemetryEvent } from '../../telemetry/event.js';

const asciiText = fc.string({ unit: 'grapheme-ascii', maxLength: 12 });
const anyText = fc.oneof(asciiText, fc.string({ unit: 'binary', maxLength: 8 }));
const jsonValue = fc.jsonValue({ maxDepth: 2 });
/** Telemetry events, valid by the schema, with awkward numbers and strings. */
export const event = fc.record({
  ts: fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).map((ms) => ms / 1000),
  ),
  action: fc.oneof(fc.constantFrom('recommend', 'explain', 'export'), anyText),
  success: fc.boolean(),
  latency_ms: fc.oneof(
    fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 1000),
  ),
  payload: fc.dictionary(anyText, jsonValue, { maxKeys: 4 }),
  error: fc.option(anyText, { nil: null }),
  trace_id: fc.option(fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), anyText), {
    nil: undefined,
  }),
  instance: fc.option(fc.oneof(fc.constantFrom('web1', 'web1-w2', ''), anyText), {
    nil: undefined,
  }),
});

/** Bytes that matter to a JSON scanner, plus invalid UTF-8 and escapes. */
const nastyBytes = fc.oneof(
  fc.constantFrom(
    ...'{}[]":,\\ \t\r\n0123456789-+.eEtrufalsn'.split('').map((c) => Buffer.from(c)),
    Buffer.from([0xff]),
    Buffer.from([0xc3]),
    Buffer.from('é'),
    Buffer.from('\\u0073'),
    Buffer.from('"__proto__":{},'),
    Buffer.from('"ts":1,'),
    Buffer.from('"latency_ms":2,'),
    Buffer.from('"timestamp":3,'),
    Buffer.from('"trace_id":null,'),
    Buffer.from(',"instance":"w1"'),
    Buffer.from('"instance":7,'),
    Buffer.from('1e999'),
    Buffer.from('\u00a0'),
  ),
  fc.uint8Array({ minLength: 1, maxLength: 3 }).map((a) => Buffer.from(a)),
);

/** An insertion, deletion, replacement or truncation at a random place. */
export const mutation = fc.record({ at: fc.nat(), kind: fc.nat({ max: 3 }), bytes: nastyBytes });

/** Applies mutations to a line. */
export function mutate(
  line: Buffer,
  mutations: { at: number; kind: number; bytes: Buffer }[],
): Buffer {
  let out = line;
  for (const { at, kind, bytes } of mutations) {
    const i = out.length === 0 ? 0 : at % (out.length + 1);
    if (kind === 0) out = Buffer.concat([out.subarray(0, i), bytes, out.subarray(i)]);
    else if (kind === 1) out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1)]);
    else if (kind === 2) out = Buffer.concat([out.subarray(0, i), bytes, out.subarray(i + 1)]);
    else out = out.subarray(0, i);
  }
  return out;
}

/** Every line one byte away from `line`: each byte deleted, replaced by any byte, or inserted. */
export function* singleByteChanges(line: Buffer): Generator<Buffer> {
  for (let at = 0; at <= line.length; at++) {
    yield Buffer.concat([line.subarray(0, at), line.subarray(at + 1)]);
    for (let byte = 0; byte < 256; byte++) {
      const b = Buffer.from([byte]);
      yield Buffer.concat([line.subarray(0, at), b, line.subarray(at + 1)]);
      yield Buffer.concat([line.subarray(0, at), b, line.subarray(at)]);
    }
  }
}

/** An event as our writer formats it, without the newline. */
export function writerLine(e: TelemetryEvent): Buffer {
  return Buffer.from(formatTelemetryLine(e).slice(0, -1));
}

/**
 * Lines (without their newline) as a decoder meets them: our writer's, mutated ones (mostly),
 * other JSON values and byte soup.
 */
export const anyLine = fc.oneof(
  { weight: 2, arbitrary: event.map(writerLine) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(event, fc.array(mutation, { minLength: 1, maxLength: 4 }))
      .map(([e, mutations]) => mutate(writerLine(e), mutations)),
  },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)) },
);
