import { isUtf8 } from 'node:buffer';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readTelemetry } from '../reader/read-telemetry.js';
import { parseTelemetryLine } from '../telemetry/event.js';
import { SKETCH_RELATIVE_ACCURACY } from './latency-sketch.js';
import {
  defaultSummaryThreads,
  PARALLEL_MIN_BYTES,
  runSummary,
  type SummarizeOptions,
  summarizeTelemetry,
} from './summarize.js';
import { createSummaryBuilder } from './summary-builder.js';
import { DECODING_MODES } from './test-support/decoding-modes.js';
import { joinLines, telemetryLines } from './test-support/telemetry-lines.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eventkit-summary-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The seed's summary, computed the slow obvious way from parseTelemetryLine. */
function referenceSummary(lines: Buffer[]) {
  const byAction = new Map<string, { count: number; failures: number; latencies: number[] }>();
  let total = 0;
  let failures = 0;
  let malformed = 0;
  for (const line of lines) {
    const parsed = isUtf8(line)
      ? parseTelemetryLine(line.toString('utf8'))
      : { ok: false as const };
    if (!parsed.ok) {
      malformed++;
      continue;
    }
    const { action, success, latency_ms } = parsed.event;
    const entry = byAction.get(action) ?? { count: 0, failures: 0, latencies: [] };
    byAction.set(action, entry);
    entry.count++;
    entry.latencies.push(latency_ms);
    total++;
    if (!success) {
      entry.failures++;
      failures++;
    }
  }
  return { total, failures, malformed, byAction };
}

/** numpy's default percentile (DuckDB's quantile_cont), by sorting every latency. */
function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const a = sorted[low] as number;
  const b = sorted[Math.min(low + 1, sorted.length - 1)] as number;
  return position === low ? a : a + (b - a) * (position - low);
}

describe('defaultSummaryThreads', () => {
  it.each([
    ['under the threshold', PARALLEL_MIN_BYTES - 1, 8, 1],
    ['at the threshold', PARALLEL_MIN_BYTES, 2, 2],
    ['on one core', 10 * PARALLEL_MIN_BYTES, 1, 1],
    ['on many cores', 10 * PARALLEL_MIN_BYTES, 32, 8],
  ])('%s (%i bytes, %i cores): %i threads', (_name, bytes, cores, threads) => {
    expect(defaultSummaryThreads(bytes, cores)).toBe(threads);
  });
});

describe.each(DECODING_MODES)('summarizeTelemetry with %s', (_mode, accelerate) => {
  /** summarizeTelemetry in this mode. */
  const summarize = async (file: string, options: SummarizeOptions = {}) =>
    (await runSummary(file, options, { accelerate })).builder.result();

  it('matches the seed summary computed line by line with parseTelemetryLine, percentiles exact', async () => {
    const lines = telemetryLines(12_000, { malformedPercent: 2 });
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines(lines));
    const summary = await summarize(file, { threads: 1 });
    const expected = referenceSummary(lines);
    expect(summary.total).toBe(expected.total);
    expect(summary.failures).toBe(expected.failures);
    expect(summary.malformed_lines).toBe(expected.malformed);
    expect(summary.success_rate).toBeCloseTo(
      ((expected.total - expected.failures) / expected.total) * 100,
      10,
    );
    expect(Object.keys(summary.actions).sort()).toEqual([...expected.byAction.keys()].sort());
    for (const [action, entry] of expected.byAction) {
      const got = summary.actions[action];
      expect(got).toMatchObject({ count: entry.count, failures: entry.failures });
      expect(got?.share).toBeCloseTo((entry.count / expected.total) * 100, 10);
      for (const [q, key] of [
        [0.5, 'p50_ms'],
        [0.95, 'p95_ms'],
        [0.99, 'p99_ms'],
      ] as const) {
        expect(got?.[key]).toBe(exactQuantile(entry.latencies, q));
      }
    }
    expect(summary.approximate).toBe(false);
  });

  it("gives explain's p50 on 200,000 lines exactly, as sorting them does", async () => {
    const lines = telemetryLines(200_000, { seed: 5 });
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines(lines));
    const explain = referenceSummary(lines).byAction.get('explain');
    const summary = await summarize(file, { threads: 1 });
    expect(summary.actions.explain?.p50_ms).toBe(exactQuantile(explain?.latencies ?? [], 0.5));
  }, 60_000);

  it.each([
    ['this thread', { threads: 1 }, {}],
    [
      'worker threads',
      { threads: 2 },
      { parallelMinBytes: 0, rangeBytes: 60_000, useThisThread: false },
    ],
  ])(
    'past exactLimit latencies, on %s, falls back to the sketch (within 1%) and says so',
    async (_name, options, tuning) => {
      const lines = telemetryLines(5000, { seed: 21 });
      const file = join(dir, 'telemetry.jsonl');
      await writeFile(file, joinLines(lines));
      const expected = referenceSummary(lines);
      const run = (exactLimit: number) =>
        runSummary(file, { ...options, exactLimit }, { ...tuning, accelerate });
      const atLimit = (await run(expected.total)).builder.result();
      expect(atLimit.approximate).toBe(false);
      const over = (await run(expected.total - 1)).builder.result();
      expect(over.approximate).toBe(true);
      expect(over.total).toBe(expected.total);
      for (const [action, entry] of expected.byAction) {
        for (const [q, key] of [
          [0.5, 'p50_ms'],
          [0.95, 'p95_ms'],
          [0.99, 'p99_ms'],
        ] as const) {
          expect(atLimit.actions[action]?.[key]).toBe(exactQuantile(entry.latencies, q));
          const exact = exactQuantile(entry.latencies, q);
          expect(Math.abs((over.actions[action]?.[key] as number) - exact)).toBeLessThanOrEqual(
            exact * SKETCH_RELATIVE_ACCURACY * (1 + 1e-9) + 1e-9,
          );
        }
      }
    },
    60_000,
  );

  it.each([
    ['ranges far larger than lines', 64 * 1024],
    ['ranges of a few lines', 1000],
    ['ranges shorter than a line', 97],
  ])('gives exactly the single-pass result when split into %s', async (_name, rangeBytes) => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(
      file,
      joinLines(telemetryLines(1200, { malformedPercent: 2, seed: rangeBytes })),
    );
    const serial = await runSummary(file, { threads: 1 }, { accelerate });
    const ranged = await runSummary(
      file,
      { threads: 2 },
      { parallelMinBytes: 0, rangeBytes, inProcess: true, accelerate },
    );
    expect(ranged.tasks).toBeGreaterThan(1);
    expect(ranged.builder.result()).toStrictEqual(serial.builder.result());
  });

  it('gives exactly the single-pass result with worker threads (2% malformed lines)', async () => {
    const file = join(dir, 'telemetry.jsonl');
    const archive = `${file}.20240101-000000-000.gz`;
    await writeFile(archive, gzipSync(joinLines(telemetryLines(2000, { seed: 1 }))));
    await writeFile(file, joinLines(telemetryLines(30_000, { malformedPercent: 2, seed: 2 })));
    const serial = await runSummary(file, { threads: 1 }, { accelerate });
    const parallel = await runSummary(
      file,
      { threads: 2 },
      { parallelMinBytes: 0, rangeBytes: 1_000_000, useThisThread: false, accelerate },
    );
    expect(parallel.workers).toBe(2);
    expect(parallel.workerTasks).toBe(parallel.tasks);
    expect(parallel.tasks).toBeGreaterThan(3);
    const result = parallel.builder.result();
    expect(result).toStrictEqual(serial.builder.result());
    expect(result.malformed_lines).toBeGreaterThan(400);
    expect(result.first_malformed[0]?.file).toBe(file);
  }, 60_000);

  it('agrees with readTelemetry on a mixed rotated set with filters', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(
      `${file}.1.gz`,
      gzipSync(joinLines(telemetryLines(500, { malformedPercent: 5, seed: 3 }))),
    );
    await writeFile(`${file}.2`, joinLines(telemetryLines(500, { seed: 4 })));
    await writeFile(file, joinLines(telemetryLines(500, { malformedPercent: 5, seed: 5 })));
    const options = {
      since: 1_732_540_020,
      until: 1_732_540_100,
      actions: ['recommend', 'export'],
    };
    const builder = createSummaryBuilder();
    const stream = readTelemetry(file, options);
    for await (const event of stream) builder.add(event);
    for (const malformed of stream.stats.firstMalformed) builder.addMalformed(malformed);
    const viaReader = { ...builder.result(), malformed_lines: stream.stats.malformed };
    const summary = await summarize(file, { ...options, threads: 1 });
    expect(summary).toStrictEqual(viaReader);
    expect(summary.total).toBeGreaterThan(100);
    // logrotate's .2 is older than .1; only .1.gz and the live file have malformed lines.
    expect(summary.first_malformed[0]?.file).toBe(`${file}.1.gz`);
  });

  it.each([
    ["many distinct actions (beyond the fast path's table and the fold limit)", undefined],
    ['an actions filter over them', ['recommend', 'name-7', 'name-70', 'name-299']],
  ])('agrees with readTelemetry on %s', async (_label, actions) => {
    const file = join(dir, 'telemetry.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const action = i % 3 === 0 ? 'recommend' : `name-${(i * 7) % 300}`;
      lines.push(
        JSON.stringify({
          ts: 1_732_540_000 + i / 10,
          action,
          success: i % 11 !== 0,
          latency_ms: (i % 97) + i / 1000,
          payload: { n: i },
          error: null,
        }),
      );
    }
    await writeFile(file, `${lines.join('\n')}\n`);
    const builder = createSummaryBuilder();
    for await (const event of readTelemetry(file, { actions })) builder.add(event);
    const summary = await summarize(file, { actions, threads: 1 });
    expect(summary).toStrictEqual(builder.result());
  });

  it('shares the ranges between this thread and a worker, with the same result', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines(telemetryLines(8000, { malformedPercent: 2, seed: 9 })));
    const serial = await runSummary(file, { threads: 1 }, { accelerate });
    const shared = await runSummary(
      file,
      { threads: 2 },
      { parallelMinBytes: 0, rangeBytes: 50_000, accelerate },
    );
    expect(shared.workers).toBe(1);
    expect(shared.builder.result()).toStrictEqual(serial.builder.result());
  }, 60_000);

  it('falls back to this thread when workers cannot start, with the same result', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines(telemetryLines(3000, { malformedPercent: 2, seed: 11 })));
    const serial = await runSummary(file, { threads: 1 }, { accelerate });
    const fallback = await runSummary(
      file,
      { threads: 2 },
      {
        parallelMinBytes: 0,
        rangeBytes: 50_000,
        useThisThread: false,
        workerUrl: new URL('./no-such-worker.js', import.meta.url),
        accelerate,
      },
    );
    expect(fallback.workers).toBe(0);
    expect(fallback.builder.result()).toStrictEqual(serial.builder.result());
  });

  it.each([
    ['two cores: one worker beside this thread', 2, 1],
    ['one core: this thread only', 1, 0],
  ])(
    'by default, on %s, with the same result',
    async (_name, cores, workers) => {
      const file = join(dir, 'telemetry.jsonl');
      await writeFile(file, joinLines(telemetryLines(4000, { malformedPercent: 2, seed: 13 })));
      const serial = await runSummary(file, { threads: 1 }, { accelerate });
      const run = await runSummary(
        file,
        {},
        { parallelMinBytes: 0, rangeBytes: 50_000, cores, accelerate },
      );
      expect(run.workers).toBe(workers);
      expect(run.builder.result()).toStrictEqual(serial.builder.result());
    },
    60_000,
  );

  it('stays on this thread by default for inputs under PARALLEL_MIN_BYTES', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines(telemetryLines(100)));
    const run = await runSummary(file, {}, { cores: 8, accelerate });
    expect(run.workers).toBe(0);
  });

  it('passes the first malformed lines to onMalformed, with file line numbers', async () => {
    const file = join(dir, 'telemetry.jsonl');
    const lines = telemetryLines(2000);
    lines[1500] = Buffer.from('{"ts":');
    await writeFile(file, joinLines(lines));
    const seen: unknown[] = [];
    await runSummary(
      file,
      { threads: 2, onMalformed: (m) => seen.push(m) },
      { parallelMinBytes: 0, rangeBytes: 10_000, inProcess: true, accelerate },
    );
    expect(seen).toEqual([{ file, line: 1501, reason: 'invalid JSON' }]);
  });

  it('summarises nothing to zeros', async () => {
    const file = join(dir, 'empty.jsonl');
    await writeFile(file, '');
    expect(await summarize(file)).toStrictEqual({
      total: 0,
      failures: 0,
      success_rate: 0,
      error_rate: 0,
      malformed_lines: 0,
      first_malformed: [],
      first_ts: null,
      last_ts: null,
      actions: {},
      gaps: { records: 0, dropped: 0, episodes: [] },
      approximate: false,
    });
  });
});

describe('the WebAssembly kernel and JavaScript only', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('give the same summary, with workers too, and EVENTKIT_WASM=0 forces JavaScript', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines(telemetryLines(20_000, { malformedPercent: 2, seed: 17 })));
    const tuning = { parallelMinBytes: 0, rangeBytes: 200_000 };
    const kernel = await runSummary(file, { threads: 2 }, { ...tuning, accelerate: true });
    const javascript = await runSummary(file, { threads: 2 }, { ...tuning, accelerate: false });
    vi.stubEnv('EVENTKIT_WASM', '0');
    const disabled = await summarizeTelemetry(file, { threads: 2 });
    expect(kernel.builder.result()).toStrictEqual(javascript.builder.result());
    expect(disabled).toStrictEqual(javascript.builder.result());
  }, 60_000);
});

describe.each(DECODING_MODES)(
  'summarizeTelemetry and gap records, with %s',
  (_mode, accelerate) => {
    const line = (i: number, action = 'recommend') =>
      `{"ts":${1_732_540_000 + i},"action":"${action}","success":true,"latency_ms":${i % 50},"payload":{},"error":null}\n`;
    const gap = (ts: number, dropped: number, since: number, until: number, reason: string) =>
      `{"ts":${ts},"action":"telemetry_gap","success":false,"latency_ms":0,"payload":{"dropped":${dropped},"since":${since},"until":${until}},"error":"${reason}"}\n`;

    async function gapFile(): Promise<string> {
      const file = join(dir, 'telemetry.jsonl');
      const lines: string[] = [];
      for (let i = 0; i < 300; i++) lines.push(line(i));
      lines.push(gap(1_732_540_400, 7, 1_732_540_300, 1_732_540_306, 'ENOSPC: disk full'));
      for (let i = 400; i < 500; i++) lines.push(line(i, 'explain'));
      lines.push(gap(1_732_540_900, 3, 1_732_540_800, 1_732_540_802, 'EACCES: permission denied'));
      lines.push(line(900));
      await writeFile(file, lines.join(''));
      return file;
    }

    const episodes = [
      { dropped: 7, since: 1_732_540_300, until: 1_732_540_306, reason: 'ENOSPC: disk full' },
      {
        dropped: 3,
        since: 1_732_540_800,
        until: 1_732_540_802,
        reason: 'EACCES: permission denied',
      },
    ];

    it('counts gap records apart: never a request, an action, a failure or a malformed line', async () => {
      const file = await gapFile();
      const summary = (await runSummary(file, {}, { accelerate })).builder.result();
      expect(summary).toMatchObject({ total: 401, failures: 0, malformed_lines: 0 });
      expect(Object.keys(summary.actions)).toEqual(['recommend', 'explain']);
      expect(summary.gaps).toEqual({ records: 2, dropped: 10, episodes });
      expect(summary.last_ts).toBe(1_732_540_900);
    });

    it('gives the same gaps when split into ranges, and as readTelemetry events', async () => {
      const file = await gapFile();
      const split = await runSummary(
        file,
        {},
        { parallelMinBytes: 0, rangeBytes: 4096, inProcess: true, accelerate },
      );
      expect(split.tasks).toBeGreaterThan(3);
      expect(split.builder.result().gaps).toEqual({ records: 2, dropped: 10, episodes });
      const builder = createSummaryBuilder();
      for await (const event of readTelemetry(file)) builder.add(event);
      expect(builder.result()).toEqual(split.builder.result());
    });

    it('keeps the gaps whose lost events fall in the window', async () => {
      const file = await gapFile();
      const summary = (
        await runSummary(file, { since: 1_732_540_305, until: 1_732_540_700 }, { accelerate })
      ).builder.result();
      expect(summary.gaps).toEqual({ records: 1, dropped: 7, episodes: [episodes[0]] });
    });

    it('counts a gap record without a count of dropped events as malformed', async () => {
      const file = join(dir, 'telemetry.jsonl');
      await writeFile(
        file,
        `${line(1)}{"ts":2,"action":"telemetry_gap","success":false,"latency_ms":0,"payload":{},"error":"x"}\n`,
      );
      const summary = (await runSummary(file, {}, { accelerate })).builder.result();
      expect(summary).toMatchObject({ total: 1, malformed_lines: 1, gaps: { records: 0 } });
    });
  },
);

describe('summarizeTelemetry on a stream (standard input)', () => {
  async function* pipe(bytes: Buffer, size = 4096): AsyncGenerator<Buffer> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }

  it.each([
    ['plain', (b: Buffer) => b],
    ['gzip', (b: Buffer) => gzipSync(b)],
  ])('gives the summary of the same bytes in a file (%s)', async (_kind, encode) => {
    const bytes = joinLines(telemetryLines(3000, { malformedPercent: 2, seed: 7 }));
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, bytes);
    const fromFile = await summarizeTelemetry(file, { threads: 1 });
    const fromStream = await summarizeTelemetry({ name: '<stdin>', stream: pipe(encode(bytes)) });
    expect(fromStream).toStrictEqual({
      ...fromFile,
      first_malformed: fromFile.first_malformed.map((m) => ({ ...m, file: '<stdin>' })),
    });
    expect(fromStream.first_malformed[0]?.file).toBe('<stdin>');
  });

  it('keeps every input on this thread when one is a stream, in the order given', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines(telemetryLines(2000, { seed: 8 })));
    const run = await runSummary(
      [file, { name: '<stdin>', stream: pipe(Buffer.from('{"ts":1\n')) }],
      { threads: 4 },
      { parallelMinBytes: 0 },
    );
    expect(run.workers).toBe(0);
    expect(run.tasks).toBe(2);
    expect(run.builder.result().first_malformed[0]).toMatchObject({ file: '<stdin>', line: 1 });
  });
});

describe('summarizeTelemetry by instance', () => {
  const NAMES = ['web1-w1', 'web1-w2', 'web2', undefined] as const;

  /** Valid lines spread over three instances and lines without one, 1% malformed, and a gap. */
  function fleetLines(): { all: Buffer[]; byName: Map<string, Buffer[]> } {
    const all: Buffer[] = [];
    const byName = new Map<string, Buffer[]>();
    telemetryLines(12_000, { malformedPercent: 1, seed: 5 }).forEach((line, i) => {
      const parsed = isUtf8(line) ? parseTelemetryLine(line.toString('utf8')) : undefined;
      if (!parsed?.ok) {
        all.push(line);
        return;
      }
      const instance = NAMES[i % NAMES.length];
      const tagged = Buffer.from(JSON.stringify({ ...JSON.parse(line.toString()), instance }));
      all.push(tagged);
      const name = instance ?? '(none)';
      byName.set(name, [...(byName.get(name) ?? []), tagged]);
    });
    const gap = Buffer.from(
      '{"ts":1732540100,"action":"telemetry_gap","success":false,"latency_ms":0,"payload":{"dropped":4,"since":1732540090,"until":1732540099},"error":"ENOSPC: disk full","instance":"web2"}',
    );
    all.push(gap);
    byName.get('web2')?.push(gap);
    return { all, byName };
  }

  it.each(DECODING_MODES)(
    'gives each instance the summary of its lines alone and the fleet the plain summary (%s)',
    async (_mode, accelerate) => {
      const { all, byName } = fleetLines();
      const file = join(dir, 'telemetry.jsonl');
      await writeFile(file, joinLines(all));
      // An exact limit under the fleet's latencies but above each instance's: each follows it.
      const options = { exactLimit: 5000 };
      const plain = (await runSummary(file, options, { accelerate })).builder.result();
      const { instances, ...fleet } = (
        await runSummary(file, { ...options, by: 'instance' }, { accelerate })
      ).builder.result();
      expect(fleet).toStrictEqual(plain);
      expect(fleet.approximate).toBe(true);
      expect(fleet.malformed_lines).toBeGreaterThan(50);
      expect(Object.keys(instances ?? {})).toEqual(['(none)', 'web1-w1', 'web1-w2', 'web2']);
      for (const [name, lines] of byName) {
        const alone = join(dir, `${name}.jsonl`);
        await writeFile(alone, joinLines(lines));
        const expected = (await runSummary(alone, options, { accelerate })).builder.result();
        expect(instances?.[name]).toStrictEqual(expected);
        expect(expected.approximate).toBe(false);
      }
      expect(instances?.web2?.gaps.records).toBe(1);
    },
  );

  it('gives the same per-instance summaries with worker threads', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines(fleetLines().all));
    const serial = await runSummary(file, { threads: 1, by: 'instance' });
    const parallel = await runSummary(
      file,
      { threads: 2, by: 'instance' },
      { parallelMinBytes: 0, rangeBytes: 300_000, useThisThread: false },
    );
    expect(parallel.workerTasks).toBeGreaterThan(2);
    expect(parallel.builder.result()).toStrictEqual(serial.builder.result());
  }, 60_000);

  it('lists no instance when nothing was read, and none without `by`', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, '');
    expect((await summarizeTelemetry(file, { by: 'instance' })).instances).toEqual({});
    expect(await summarizeTelemetry(file)).not.toHaveProperty('instances');
  });
});

describe('summarizeTelemetry with a per-line hook (onLine)', () => {
  it('hands over every valid line, gap records too, in file order and before the filters, on one thread', async () => {
    const lines = telemetryLines(6000, { malformedPercent: 2, seed: 9 });
    const gap = Buffer.from(
      '{"ts":1732540100,"action":"telemetry_gap","success":false,"latency_ms":0,"payload":{"dropped":4},"error":"ENOSPC: disk full","instance":"web2"}',
    );
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines([...lines, gap]));
    const events = [];
    for await (const event of readTelemetry(file)) events.push(event);
    const seen: { ts: number; action: string; latency: number; trace?: string; error: unknown }[] =
      [];
    const options = { since: 1_732_540_500, actions: ['explain'] };
    const run = await runSummary(
      file,
      {
        ...options,
        threads: 4,
        onLine: (line) =>
          seen.push({
            ts: line.ts,
            action: line.action,
            latency: line.latencyMs,
            trace: line.traceId,
            error: line.event().error,
          }),
      },
      { parallelMinBytes: 0, rangeBytes: 100_000 },
    );
    expect(run.workers).toBe(0);
    expect(seen).toEqual(
      events.map((event) => ({
        ts: event.ts,
        action: event.action,
        latency: event.latency_ms,
        trace: event.trace_id,
        error: event.error,
      })),
    );
    expect(seen.at(-1)?.action).toBe('telemetry_gap');
    // The summary itself is the one without the hook.
    expect(run.builder.result()).toStrictEqual(await summarizeTelemetry(file, options));
  });
});
