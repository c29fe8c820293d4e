import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelemetryEventInput } from './event.js';
import { createTelemetryWriter } from './telemetry-writer.js';

// The seed's jq one-liners, run by Debian's jq on a file the writer produced, must agree with
// the events that went in (and with core's summary). NOW stands in for `$(date +%s)`.
const NOW = 1_732_540_000;
const ACTIONS = ['recommend', 'explain', 'export', 'unauthorized', 'rate_limited'];

function makeEvents(count: number): TelemetryEventInput[] {
  return Array.from({ length: count }, (_, i) => {
    const success = i % 13 !== 0;
    return {
      // Spread over the last ~3 hours, never within a second of the 1-hour boundary.
      ts: NOW - 10_800 + i * (10_800 / count) + 0.123,
      action: ACTIONS[(i * 7) % ACTIONS.length] as string,
      success,
      latency_ms: ((i * 7919) % 25_000) / 100,
      payload: { i, source: 'manifest', note: 'quote " and \\ and ü' },
      error: success ? null : `failure ${i}`,
      trace_id: i.toString(16).padStart(32, '0'),
    };
  });
}

function sh(script: string, file: string): string {
  return execFileSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, FILE: file, NOW: String(NOW), LC_ALL: 'C' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** jq's default output: pretty-printed objects, one after another. */
function prettyObjects(output: string): Array<Record<string, unknown>> {
  return (output.match(/^\{[\s\S]*?^\}$/gm) ?? []).map((text) => JSON.parse(text));
}

describe('the seed’s jq one-liners on a file the writer produced', () => {
  const events = makeEvents(3000);
  let dir = '';
  let file = '';
  afterAll(() => rm(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eventkit-jq-'));
    file = join(dir, 'telemetry.jsonl');
    const writer = createTelemetryWriter({ file, maxSizeBytes: 0, maxBufferBytes: 4096 });
    for (const event of events) writer.write(event);
    await writer.close();
    expect(writer.stats).toMatchObject({ written: events.length, dropped: 0, errors: 0 });
  });

  it("counts actions by type: jq -r '.action' | sort | uniq -c", () => {
    const output = sh(`jq -r '.action' "$FILE" | sort | uniq -c`, file);
    const fromJq = Object.fromEntries(
      output
        .trim()
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .map(([count, action]) => [action, Number(count)]),
    );
    const expected: Record<string, number> = {};
    for (const event of events) expected[event.action] = (expected[event.action] ?? 0) + 1;
    expect(fromJq).toEqual(expected);
  });

  it('averages the latency of recommend: jq … | awk', () => {
    const output = sh(
      `jq -r 'select(.action == "recommend") | .latency_ms' "$FILE" | \\
    awk '{sum+=$1; n++} END {print "Avg: " sum/n "ms"}'`,
      file,
    );
    const match = /^Avg: ([\d.e+-]+)ms$/.exec(output.trim());
    const latencies = events.filter((e) => e.action === 'recommend').map((e) => e.latency_ms);
    const average = latencies.reduce((sum, value) => sum + value, 0) / latencies.length;
    // awk prints with %.6g.
    expect(Number(match?.[1])).toBeCloseTo(Number(average.toPrecision(6)), 6);
  });

  it("finds slow requests: jq 'select(.latency_ms > 100)'", () => {
    const found = prettyObjects(sh(`jq 'select(.latency_ms > 100)' "$FILE"`, file));
    const expected = events.filter((e) => e.latency_ms > 100);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((e) => e.trace_id)).toEqual(expected.map((e) => e.trace_id));
  });

  it('finds errors in the last hour: jq --arg now … select(.success == false and .ts > …)', () => {
    const found = prettyObjects(
      sh(
        `jq --arg now $NOW \\
    'select(.success == false and .ts > ($now | tonumber - 3600))' \\
    "$FILE"`,
        file,
      ),
    );
    const expected = events.filter((e) => !e.success && e.ts > NOW - 3600);
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThan(events.filter((e) => !e.success).length);
    expect(found.map((e) => e.error)).toEqual(expected.map((e) => e.error));
  });

  it('agrees with core’s summarizeTelemetry, when core exports it', async () => {
    const core: Record<string, unknown> = await import('../index.js');
    const summarize = core.summarizeTelemetry as
      | ((paths: string) => Promise<{
          total: number;
          failures: number;
          actions: Record<string, { count: number; failures: number }>;
        }>)
      | undefined;
    if (summarize === undefined) return;
    const summary = await summarize(file);
    const counts = sh(`jq -r '.action' "$FILE" | sort | uniq -c`, file)
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/));
    expect(summary.total).toBe(Number(sh(`jq -c . "$FILE" | wc -l`, file).trim()));
    expect(summary.failures).toBe(
      Number(sh(`jq -c 'select(.success == false)' "$FILE" | wc -l`, file).trim()),
    );
    for (const [count, action] of counts) {
      expect(summary.actions[action as string]?.count).toBe(Number(count));
    }
  });
});
