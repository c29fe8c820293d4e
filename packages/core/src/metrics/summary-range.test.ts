import { isUtf8 } from 'node:buffer';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { event, mutate, mutation } from '../reader/test-support/telemetry-arbitraries.js';
import { formatTelemetryLine, parseTelemetryLine } from '../telemetry/event.js';
import { createSummaryBuilder, summaryBuilderFromJSON } from './summary-builder.js';
import { createRangeSummarizer, type RangeTask, takeRanges } from './summary-range.js';
import { DECODING_MODES, KERNEL_BUILT } from './test-support/decoding-modes.js';
import { joinLines, telemetryLines } from './test-support/telemetry-lines.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eventkit-range-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `pieces` ranges over a file of `size` bytes, cut anywhere (mid-line included). */
function ranges(file: string, size: number, pieces: number): RangeTask[] {
  return Array.from({ length: pieces }, (_, k) => ({
    file,
    start: Math.floor((size * k) / pieces),
    end: k === pieces - 1 ? Number.POSITIVE_INFINITY : Math.floor((size * (k + 1)) / pieces),
  }));
}

describe.each(DECODING_MODES)('with %s', (_mode, accelerate) => {
  it('decodes as asked: the kernel when built, JavaScript otherwise', () => {
    expect(createRangeSummarizer({}, { accelerate }).accelerated).toBe(accelerate && KERNEL_BUILT);
  });

  describe('createRangeSummarizer', () => {
    it('adds every range to one summary; each line counted once, in the range it starts in', async () => {
      const file = join(dir, 'telemetry.jsonl');
      const data = joinLines(telemetryLines(3000, { malformedPercent: 2, seed: 21 }));
      await writeFile(file, data);
      const whole = createRangeSummarizer({}, { accelerate });
      const wholeOutcome = await whole.summarize({ file, start: 0, end: Number.POSITIVE_INFINITY });

      const pieces = createRangeSummarizer({}, { syncReads: true, accelerate });
      const outcomes = [];
      for (const task of ranges(file, data.length, 17)) outcomes.push(await pieces.summarize(task));

      expect(pieces.finish()).toStrictEqual(whole.finish());
      expect(outcomes.reduce((sum, o) => sum + o.lines, 0)).toBe(wholeOutcome.lines);
      expect(outcomes.reduce((sum, o) => sum + o.malformed, 0)).toBe(wholeOutcome.malformed);
      expect(wholeOutcome.malformed).toBeGreaterThan(30);
      expect(wholeOutcome.firstMalformed).toHaveLength(5);
    });

    it('reports malformed lines per range, numbered from the range start', async () => {
      const file = join(dir, 'telemetry.jsonl');
      const lines = telemetryLines(10);
      lines[7] = Buffer.from('not JSON');
      const data = joinLines(lines);
      await writeFile(file, data);
      const start = data.indexOf('\n', data.length / 2) + 1; // line 6 starts the second range
      const summarizer = createRangeSummarizer({}, { accelerate });
      const first = await summarizer.summarize({ file, start: 0, end: start });
      const second = await summarizer.summarize({ file, start, end: Number.POSITIVE_INFINITY });
      expect(first.malformed).toBe(0);
      expect(second.firstMalformed).toEqual([
        { file, line: 8 - first.lines, reason: 'invalid JSON' },
      ]);
    });
  });

  describe('takeRanges', () => {
    it('lets several summarizers share one cursor: every range taken exactly once', async () => {
      const file = join(dir, 'telemetry.jsonl');
      const data = joinLines(telemetryLines(4000, { seed: 22 }));
      await writeFile(file, data);
      const tasks = ranges(file, data.length, 25);
      const cursor = new Int32Array(new SharedArrayBuffer(4));
      const lanes = [
        createRangeSummarizer({}, { accelerate }),
        createRangeSummarizer({}, { syncReads: true, accelerate }),
      ];

      const taken = await Promise.all(lanes.map((lane) => takeRanges(lane, tasks, cursor)));

      const ids = taken.flat().map(([id]) => id);
      expect([...ids].sort((a, b) => a - b)).toEqual(tasks.map((_, id) => id));
      const merged = createSummaryBuilder();
      for (const lane of lanes) merged.merge(summaryBuilderFromJSON(lane.finish()));
      const single = createRangeSummarizer({}, { accelerate });
      await single.summarize({ file, start: 0, end: Number.POSITIVE_INFINITY });
      expect(merged.result()).toStrictEqual(summaryBuilderFromJSON(single.finish()).result());
      expect(merged.result().total).toBe(4000);
    });
  });

  describe('a range summary of random and mutated lines', () => {
    it('equals the summary of what parseTelemetryLine accepts, line by line', async () => {
      const file = join(dir, 'telemetry.jsonl');
      // Few actions, so that batches fill and actions repeat; some lines mutated or blank.
      const line = fc
        .tuple(
          event,
          fc.constantFrom('recommend', 'explain', 'export'),
          fc.array(mutation, { maxLength: 2 }),
          fc.nat({ max: 9 }),
        )
        .map(([e, action, mutations, pick]) => {
          const text = Buffer.from(formatTelemetryLine({ ...e, action }).slice(0, -1));
          return pick < 7 ? text : mutate(text, mutations);
        });
      await fc.assert(
        fc.asyncProperty(fc.array(line, { maxLength: 1500 }), async (lines) => {
          const bytes = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
          await writeFile(file, bytes);
          const expected = createSummaryBuilder();
          let lineCount = 0;
          for (const l of bytes.toString('latin1').split('\n').slice(0, -1)) {
            lineCount++;
            const raw = Buffer.from(l, 'latin1');
            const parsed = isUtf8(raw)
              ? parseTelemetryLine(raw.toString('utf8'))
              : ({ ok: false } as const);
            if (parsed.ok) expected.add(parsed.event);
            else expected.addMalformed({ file, line: lineCount, reason: '' });
          }
          const summarizer = createRangeSummarizer({}, { accelerate });
          const outcome = await summarizer.summarize({
            file,
            start: 0,
            end: Number.POSITIVE_INFINITY,
          });
          const actual = summaryBuilderFromJSON(summarizer.finish()).result();
          const want = expected.result();
          expect(outcome.malformed).toBe(want.malformed_lines);
          expect({ ...actual, malformed_lines: 0, first_malformed: [] }).toStrictEqual({
            ...want,
            malformed_lines: 0,
            first_malformed: [],
          });
        }),
        { numRuns: 60 },
      );
    }, 60_000);
  });
});

describe('the kernel and JavaScript only', () => {
  it('give the same summary and the same malformed lines', async () => {
    // The kernel batches samples in another order: compare the results, not the raw sample lists.
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, joinLines(telemetryLines(5000, { malformedPercent: 3, seed: 23 })));
    const [kernel, javascript] = await Promise.all(
      [true, false].map(async (accelerate) => {
        const summarizer = createRangeSummarizer({ since: 1_732_540_050 }, { accelerate });
        const outcome = await summarizer.summarize({ file, start: 0, end: Infinity });
        return { outcome, summary: summaryBuilderFromJSON(summarizer.finish()).result() };
      }),
    );
    expect(kernel).toStrictEqual(javascript);
    expect(kernel?.summary.total).toBeGreaterThan(1000);
  });
});
