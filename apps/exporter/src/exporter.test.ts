import { appendFileSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createTelemetryWriter } from '@eventkit/core';
import { readTelemetry } from '@eventkit/core/analysis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createExporter, type Exporter, type ExporterOptions } from './exporter.js';
import { appendLines, telemetryLine, tempDir } from './test-support/telemetry-files.js';

// The exporter's own wiring: core's follower feeding the tally, and the state file in between.

let dir: string;
let cleanup: () => void;
let file: string;
const exporters: Exporter[] = [];

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = join(dir, 'telemetry.jsonl');
});
afterEach(async () => {
  for (const exporter of exporters.splice(0)) await exporter.stop();
  cleanup();
});

async function start(options: Partial<ExporterOptions> = {}) {
  const exporter = await createExporter({ files: [file], processMetrics: false, ...options });
  exporters.push(exporter);
  const sum = async (name: string) => {
    const metric = (await exporter.registry.getMetricsAsJSON()).find((m) => m.name === name);
    return (metric?.values ?? []).reduce((total, { value }) => total + value, 0);
  };
  const counts = async () => ({
    requests: await sum('event_agent_requests_total'),
    lines: await sum('event_agent_exporter_lines_total'),
    malformed: await sum('event_agent_exporter_malformed_lines_total'),
    rotations: await sum('event_agent_exporter_rotations_total'),
  });
  return { exporter, counts, sum };
}

describe('exporter: lines', () => {
  it('counts complete lines and lets a partial last line wait for its newline', async () => {
    const run = await start();
    appendLines(file, 0, 3);
    const partial = telemetryLine(3);
    appendFileSync(file, partial.slice(0, 20));
    await run.exporter.poll();
    expect(await run.counts()).toEqual({ requests: 3, lines: 3, malformed: 0, rotations: 0 });
    appendFileSync(file, partial.slice(20));
    await run.exporter.poll();
    expect(await run.counts()).toEqual({ requests: 4, lines: 4, malformed: 0, rotations: 0 });
  });

  it('counts malformed lines (bad JSON, schema violations, blank lines) without stopping', async () => {
    const run = await start();
    appendLines(file, 0, 1);
    appendFileSync(
      file,
      '{"ts":1,"action":"recommend"\n{"ts":"x","action":"a","success":true,"latency_ms":1}\n\n',
    );
    appendLines(file, 1, 1);
    await run.exporter.poll();
    expect(await run.counts()).toEqual({ requests: 2, lines: 5, malformed: 3, rotations: 0 });
  });

  it('agrees with core readTelemetry on valid and malformed lines, legacy and invalid UTF-8 included', async () => {
    const legacy = readFileSync(
      new URL('../../../fixtures/python-eventkit/python-eventkit-telemetry.jsonl', import.meta.url),
    );
    appendFileSync(file, legacy);
    appendLines(file, 0, 20);
    appendFileSync(
      file,
      Buffer.from(
        '{"ts":1,"action":"recommend","success":true,"latency_ms":1,"error":"\xff"}\n',
        'latin1',
      ),
    );
    appendFileSync(file, '{"ts":1,"action":"recommend","success":true,"latency_ms":-1}\n \n[1]\n');
    appendFileSync(
      file,
      '{"ts":2,"action":"explain","success":false,"latency_ms":5,"error":"é"}\n',
    );
    const run = await start();
    await run.exporter.poll();
    const stream = readTelemetry(file, { includeRotated: false });
    for await (const _ of stream) {
      // drain
    }
    expect(await run.counts()).toMatchObject({
      requests: stream.stats.events,
      lines: stream.stats.lines,
      malformed: stream.stats.malformed,
    });
    expect(stream.stats.malformed).toBe(4);
  });

  it('counts a line over --max-line-bytes as malformed', async () => {
    const run = await start({ maxLineBytes: 1024 });
    appendLines(file, 0, 1);
    appendFileSync(file, `{"ts":1,"action":"recommend","pad":"${'x'.repeat(1024)}"}\n`);
    appendLines(file, 1, 2);
    await run.exporter.poll();
    expect(await run.counts()).toEqual({ requests: 3, lines: 4, malformed: 1, rotations: 0 });
  });

  it("counts a rotation, and a rotated file's unterminated last line as malformed", async () => {
    const run = await start();
    const next = appendLines(file, 0, 2);
    appendFileSync(file, '{"ts":1,"act');
    await run.exporter.poll();
    renameSync(file, `${file}.1`);
    appendLines(file, next, 1);
    await run.exporter.poll();
    expect(await run.counts()).toEqual({ requests: 3, lines: 4, malformed: 1, rotations: 1 });
  });
});

describe('exporter: state file', () => {
  it('continues the counters from its state file without losing or repeating a line', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await start({ stateFile });
    let next = appendLines(file, 0, 5);
    appendFileSync(file, telemetryLine(next).slice(0, 10)); // partial: not yet counted
    await first.exporter.poll();
    await first.exporter.stop();
    appendFileSync(file, telemetryLine(next).slice(10));
    next = appendLines(file, next + 1, 2);
    renameSync(file, `${file}.1`);
    appendLines(file, next, 3);
    const second = await start({ stateFile });
    await second.exporter.poll();
    expect(await second.counts()).toEqual({ requests: 11, lines: 11, malformed: 0, rotations: 1 });
  });

  it('keeps the exemplars and the dropped count across a restart', async () => {
    const stateFile = join(dir, 'state.json');
    appendFileSync(
      file,
      [
        '{"ts":1767225600.5,"action":"explain","success":false,"latency_ms":80,"trace_id":"0af7651916cd43dd8448eb211c80319c"}',
        '{"ts":1767225601,"action":"telemetry_gap","success":false,"latency_ms":0,"payload":{"dropped":7},"error":"EACCES"}',
        '',
      ].join('\n'),
    );
    const first = await start({ stateFile });
    await first.exporter.poll();
    await first.exporter.stop();
    const second = await start({ stateFile });
    await second.exporter.poll();
    const { text } = await second.exporter.exposition('openmetrics');
    expect(text).toContain(
      'event_agent_latency_seconds_bucket{action="explain",le="0.1"} 1 # {trace_id="0af7651916cd43dd8448eb211c80319c"} 0.08 1767225600.5',
    );
    expect(text).toContain(
      'event_agent_errors_total{action="explain"} 1 # {trace_id="0af7651916cd43dd8448eb211c80319c"} 1 1767225600.5',
    );
    expect(text).toContain('event_agent_telemetry_dropped_total 7\n');
    expect(await second.sum('event_agent_requests_total')).toBe(1);
  });
});

describe("exporter: core's telemetry writer rotating underneath", () => {
  it('counts every event exactly once, and every rotation', async () => {
    const writer = createTelemetryWriter({
      file,
      maxSizeBytes: 8 * 1024,
      compress: true,
      retention: { maxFiles: 0, maxAgeDays: 0 },
      flushIntervalMs: 1,
    });
    const run = await start();
    // Started before the first event: everything the writer writes is new, not history.
    await run.exporter.poll();
    let writing = true;
    const polling = (async () => {
      while (writing) {
        await run.exporter.poll();
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let i = 0; i < 2000; i++) {
      writer.write({
        ts: 1732540000 + i / 1000,
        action: i % 7 === 0 ? 'explain' : 'recommend',
        success: i % 10 !== 0,
        latency_ms: i % 300,
      });
      if (i % 50 === 0) await writer.flush();
    }
    await writer.close();
    writing = false;
    await polling;
    await run.exporter.poll();
    expect(writer.stats).toMatchObject({ written: 2000, dropped: 0 });
    expect(writer.stats.rotations).toBeGreaterThan(10);
    expect(await run.counts()).toEqual({
      requests: 2000,
      lines: 2000,
      malformed: 0,
      rotations: writer.stats.rotations,
    });
    expect(await run.sum('event_agent_errors_total')).toBe(200);
  });
});
