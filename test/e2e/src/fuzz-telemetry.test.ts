import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { telemetryEventSchema } from '@eventkit/core';
import { readTelemetry, summarizeTelemetry } from '@eventkit/core/analysis';
import { formatTelemetryLine, parseTelemetryLine } from '@eventkit/core/telemetry';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporter } from './exporter-process.js';
import { telemetryLineArbitrary, validLine } from './test-support/telemetry-arbitraries.js';

const SEED = 20_261_128;
const MAX_LINE_BYTES = 1024 * 1024;
const tried: Record<string, number> = {};
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Readers refuse a line that is not valid UTF-8 (counted malformed) rather than guess. */
function isValidUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'eventkit-fuzz-telemetry-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(`fuzz telemetry: cases tried ${JSON.stringify(tried)}\n`);
});

describe('fuzz: telemetry lines', () => {
  it('parseTelemetryLine never throws; every event it accepts is schema-valid and round-trips', () => {
    let malformed = 0;
    let runs = 0;
    const details = fc.check(
      fc.property(telemetryLineArbitrary, ({ kind, bytes }) => {
        runs++;
        tried[kind] = (tried[kind] ?? 0) + 1;
        const parsed = parseTelemetryLine(bytes.toString('utf8'));
        if (!parsed.ok) {
          malformed++;
          expect(parsed.reason).toMatch(/\S/);
          return;
        }
        expect(telemetryEventSchema.safeParse(parsed.event).success).toBe(true);
        if (kind === 'deep nesting (payload)') return; // see the next test
        const again = parseTelemetryLine(formatTelemetryLine(parsed.event).trimEnd());
        expect(again.ok).toBe(true);
      }),
      { seed: SEED, numRuns: 3000 },
    );
    process.stdout.write(`fuzz parseTelemetryLine: ${runs} cases, ${malformed} malformed\n`);
    if (details.failed) {
      const [{ kind, bytes }] = details.counterexample ?? [{ kind: '?', bytes: Buffer.alloc(0) }];
      throw new Error(
        `${kind} line of ${bytes.length} bytes (${JSON.stringify(bytes.subarray(0, 120).toString('utf8'))}…): ${String(details.errorInstance)}`,
      );
    }
    expect(malformed).toBeGreaterThan(0);
  });

  // Found by this fuzz pass: the schema accepts a payload of any depth, but JSON.stringify (in
  // formatTelemetryLine, and in `eventkit query`/`slow`, which exit 70) overflows the stack on it.
  // Core should refuse (count as malformed) payloads nested deeper than a small bound.
  it('an event parseTelemetryLine accepts can always be written again (payload nested 20,000 deep)', () => {
    const depth = 20_000;
    const line = `{"ts":1,"action":"recommend","success":true,"latency_ms":1,"payload":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const parsed = parseTelemetryLine(line);
    if (parsed.ok) expect(() => formatTelemetryLine(parsed.event)).not.toThrow();
  });

  describe('one file of every kind of damage, 10 MB lines included', () => {
    let file: string;
    let expectedEvents = 0;
    let lineCount = 0;

    beforeAll(async () => {
      const sample = fc.sample(telemetryLineArbitrary, { seed: SEED + 1, numRuns: 3000 });
      const huge = Buffer.from(
        `{"ts":1795000000,"action":"recommend","success":true,"latency_ms":1,"payload":{"blob":"${'x'.repeat(10 * 1024 * 1024)}"}}`,
      );
      const hugeGarbage = Buffer.alloc(10 * 1024 * 1024 + 7, 0x7b);
      const lines = [
        ...sample.map((s) => s.bytes),
        huge,
        hugeGarbage,
        ...Array.from({ length: 500 }, (_, i) =>
          Buffer.from(validLine(i, i % 2 ? 'export' : 'explain')),
        ),
      ];
      tried['10 MB line'] = 2;
      for (const line of lines) {
        if (line.length === 0) continue; // an empty line is not a line the agent writes
        lineCount++;
        if (
          line.length <= MAX_LINE_BYTES &&
          isValidUtf8(line) &&
          parseTelemetryLine(line.toString('utf8')).ok
        ) {
          expectedEvents++;
        }
      }
      file = path.join(dir, 'telemetry.jsonl');
      await writeFile(
        file,
        Buffer.concat(
          lines.filter((l) => l.length > 0).flatMap((line) => [line, Buffer.from('\n')]),
        ),
      );
    });

    it('readTelemetry counts each line once: events + malformed = lines', async () => {
      const stream = readTelemetry(file);
      let events = 0;
      for await (const _event of stream) events++;
      process.stdout.write(
        `fuzz readTelemetry: ${stream.stats.lines} lines, ${stream.stats.events} events, ${stream.stats.malformed} malformed\n`,
      );
      expect(stream.stats.lines).toBe(lineCount);
      expect(events).toBe(expectedEvents);
      expect(stream.stats.malformed).toBe(lineCount - expectedEvents);
    });

    it('summarizeTelemetry agrees with readTelemetry', async () => {
      const summary = await summarizeTelemetry([file]);
      expect(summary.total).toBe(expectedEvents);
      expect(summary.malformed_lines).toBe(lineCount - expectedEvents);
    });

    it('the built exporter ingests it without dying and counts the same', async () => {
      const exporter = await startExporter(file);
      try {
        const samples = await exporter.waitForLines(lineCount);
        const requests = [...samples]
          .filter(([key]) => key.startsWith('event_agent_requests_total{'))
          .reduce((sum, [, value]) => sum + value, 0);
        process.stdout.write(
          `fuzz exporter ingest: ${samples.get('event_agent_exporter_lines_total')} lines, ${requests} requests, ${samples.get('event_agent_exporter_malformed_lines_total')} malformed\n`,
        );
        expect(requests).toBe(expectedEvents);
        expect(samples.get('event_agent_exporter_malformed_lines_total')).toBe(
          lineCount - expectedEvents,
        );
        expect(exporter.child.alive).toBe(true);
      } finally {
        expect(await exporter.stop()).toBe(0);
      }
    });
  });
});
