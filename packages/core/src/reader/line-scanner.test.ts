import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatTelemetryLine,
  INSTANCE_MAX_LENGTH,
  parseTelemetryLine,
} from '../telemetry/event.js';
import { createScannedLine, scanCanonicalLine, scanWriterLine } from './line-scanner.js';
import { anyLine, event, singleByteChanges } from './test-support/telemetry-arbitraries.js';

/** The definition the scanner must agree with: UTF-8, then parseTelemetryLine. */
function reference(bytes: Buffer) {
  if (!isUtf8(bytes)) return { ok: false as const, reason: 'invalid UTF-8' };
  return parseTelemetryLine(bytes.toString('utf8'));
}

function scan(bytes: Buffer) {
  // The line sits between other bytes, as it does in a read buffer.
  const padded = Buffer.concat([Buffer.from('{"x":1}\n'), bytes, Buffer.from('\n,}"1 ')]);
  const out = createScannedLine();
  const ok = scanCanonicalLine(padded, 8, 8 + bytes.length, out);
  return {
    ok,
    fields: {
      ts: out.ts,
      action: padded.toString('latin1', out.actionStart, out.actionEnd),
      success: out.success,
      latency_ms: out.latencyMs,
      instance:
        out.instanceStart < 0
          ? undefined
          : padded.toString('latin1', out.instanceStart, out.instanceEnd),
    },
  };
}

/**
 * scanWriterLine on the line followed by a newline and more lines, as the framer calls it: when it
 * claims a line, that line ends at the first newline and parseTelemetryLine accepts it with the
 * same fields.
 */
function expectWriterLineAgreement(bytes: Buffer): boolean {
  const padded = Buffer.concat([Buffer.from('{"x":1}\n'), bytes, Buffer.from('\n{"ts":1}\n,}"1 ')]);
  const out = createScannedLine();
  const newline = scanWriterLine(padded, 8, padded.length, out);
  if (newline < 0) return false;
  expect(padded.indexOf(0x0a, 8)).toBe(newline);
  const line = padded.subarray(8, newline);
  const parsed = reference(line);
  expect(parsed.ok, line.toString('latin1')).toBe(true);
  if (parsed.ok) {
    const { ts, action, success, latency_ms, instance } = parsed.event;
    expect({
      ts: out.ts,
      action: padded.toString('latin1', out.actionStart, out.actionEnd),
      success: out.success,
      latency_ms: out.latencyMs,
      instance:
        out.instanceStart < 0
          ? undefined
          : padded.toString('latin1', out.instanceStart, out.instanceEnd),
    }).toStrictEqual({ ts, action, success, latency_ms, instance });
  }
  return true;
}

/** Asserts: the scanner vouches for a line only when parseTelemetryLine accepts it, with the same fields. */
function expectAgreement(bytes: Buffer): boolean {
  const viaWriterLine = expectWriterLineAgreement(bytes);
  const fast = scan(bytes);
  // Whatever the framer's shortcut takes, the full scan takes too (the same line when it holds
  // no newline; otherwise the shortcut only saw the part before it).
  if (viaWriterLine && !bytes.includes(0x0a)) expect(fast.ok).toBe(true);
  if (!fast.ok) return false;
  const parsed = reference(bytes);
  expect(parsed.ok, bytes.toString('latin1')).toBe(true);
  if (parsed.ok) {
    const { ts, action, success, latency_ms, instance } = parsed.event;
    expect(fast.fields).toStrictEqual({ ts, action, success, latency_ms, instance });
  }
  return true;
}

describe('scanCanonicalLine', () => {
  it('only vouches for lines parseTelemetryLine accepts, with identical fields (random, mutated and other lines)', () => {
    fc.assert(
      fc.property(anyLine, (bytes) => {
        expectAgreement(bytes);
      }),
      { numRuns: 9000 },
    );
  });

  it.each([
    [
      'a success',
      '{"ts":1732540000.123,"action":"recommend","success":true,"latency_ms":12.5,"payload":{"n":[1,-2.5e3,{"k":"v"}],"ok":false,"z":null},"error":null,"trace_id":"4bf92f35"}',
    ],
    [
      'a failure',
      '{"ts":0.5,"action":"x","success":false,"latency_ms":0,"payload":{},"error":"not \\"found\\" \\u00e9"}',
    ],
    [
      'a line with an instance',
      '{"ts":2.5,"action":"recommend","success":true,"latency_ms":3,"payload":{},"error":null,"trace_id":"4bf9","instance":"web1-w2"}',
    ],
  ])(
    'agrees on every single-byte change of %s (replace, insert, delete anywhere)',
    (_name, text) => {
      const line = Buffer.from(text);
      expect(expectAgreement(line)).toBe(true);
      for (const changed of singleByteChanges(line)) expectAgreement(changed);
    },
  );

  it('takes the fast path for the lines our writer produces', () => {
    let fast = 0;
    let shortcut = 0;
    fc.assert(
      fc.property(
        event.filter((e) => /^[\x20-\x7e]+$/.test(e.action) && e.action.length <= 200),
        (e) => {
          const ascii = {
            ...e,
            payload: { top: 5, source: 'manifest' },
            error: e.success ? null : 'session not found',
            trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
            instance: e.success ? 'web1-w2' : undefined,
          };
          const line = Buffer.from(formatTelemetryLine(ascii).slice(0, -1));
          if (expectAgreement(line)) fast++;
          if (expectWriterLineAgreement(line)) shortcut++;
        },
      ),
      { numRuns: 500 },
    );
    expect(shortcut).toBe(fast);
    // Only actions with a quote or backslash (escaped by JSON) leave the fast path.
    expect(fast).toBeGreaterThan(400);
  });

  it.each([
    [
      'the DESIGN.md example',
      '{"ts":1732540000.123,"action":"recommend","success":true,"latency_ms":12.5,"payload":{"interests_count":3,"top":5,"source":"manifest","conflicts":2,"returned":5},"error":null,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
      true,
    ],
    [
      'spaces and CRLF',
      '{ "ts" : 1 , "action" : "a" , "success" : false , "latency_ms" : 0 }\r',
      true,
    ],
    ['keys in any order', '{"latency_ms":3,"success":true,"action":"x","ts":-2.5e3}', true],
    [
      'a 17-digit timestamp',
      '{"ts":1766006109.4001617,"action":"a","success":true,"latency_ms":1}',
      true,
    ],
    [
      'non-ASCII in the error',
      '{"ts":1,"action":"a","success":false,"latency_ms":1,"error":"café"}',
      true,
    ],
    ['legacy field names', '{"timestamp":1,"action":"a","success":true,"duration_ms":1}', false],
    ['an escaped action', '{"ts":1,"action":"a\\"b","success":true,"latency_ms":1}', false],
    ['a duplicate key', '{"ts":1,"ts":2,"action":"a","success":true,"latency_ms":1}', false],
    ['a string latency', '{"ts":1,"action":"a","success":true,"latency_ms":"1"}', false],
    ['a null payload', '{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":null}', false],
    ['trailing text', '{"ts":1,"action":"a","success":true,"latency_ms":1} x', false],
    ['a truncated line', '{"ts":1,"action":"a","success":true,"latency_ms":1', false],
    [
      'an instance',
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":{},"error":null,"instance":"api-2"}',
      true,
    ],
    [
      'a trace id and an instance',
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":{},"error":null,"trace_id":"4bf9","instance":"web1-w2"}',
      true,
    ],
    [
      'an instance before the trace id',
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"instance":"w","trace_id":"4bf9"}',
      true,
    ],
    [
      'an instance of the longest length',
      `{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":{},"error":null,"instance":"${'i'.repeat(INSTANCE_MAX_LENGTH)}"}`,
      true,
    ],
    [
      'an instance one character too long',
      `{"ts":1,"action":"a","success":true,"latency_ms":1,"payload":{},"error":null,"instance":"${'i'.repeat(INSTANCE_MAX_LENGTH + 1)}"}`,
      false,
    ],
    [
      'an instance that is not a string',
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"instance":7}',
      false,
    ],
    [
      'a duplicate instance',
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"instance":"a","instance":"b"}',
      false,
    ],
    [
      'an escaped instance',
      '{"ts":1,"action":"a","success":true,"latency_ms":1,"instance":"w\\u0031"}',
      false,
    ],
  ])('%s → fast path %s', (_name, line, expected) => {
    expect(scan(Buffer.from(line)).ok).toBe(expected);
    expectAgreement(Buffer.from(line));
  });
});
