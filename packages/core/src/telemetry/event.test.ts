import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTelemetryLine, MAX_PAYLOAD_DEPTH, parseTelemetryLine } from './event.js';

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
          },
          { requiredKeys: ['ts', 'action', 'success', 'latency_ms', 'payload', 'error'] },
        ),
        (event) => {
          const { ts, action, success, latency_ms, payload, error, trace_id } = event;
          const ordered = { ts, action, success, latency_ms, payload, error, trace_id };
          expect(formatTelemetryLine(event)).toBe(`${JSON.stringify(ordered)}\n`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
