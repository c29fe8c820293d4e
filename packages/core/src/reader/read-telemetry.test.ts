import { isUtf8 } from 'node:buffer';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEventKitError } from '../errors.js';
import {
  formatTelemetryLine,
  parseTelemetryLine,
  type TelemetryEvent,
  type TelemetryEventInput,
} from '../telemetry/event.js';
import { type ReadOptions, readTelemetry } from './read-telemetry.js';

const legacyFixture = new URL(
  '../../../../fixtures/python-eventkit/python-eventkit-telemetry.jsonl',
  import.meta.url,
).pathname;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eventkit-reader-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function line(ts: number, action = 'recommend', extra: Partial<TelemetryEventInput> = {}): string {
  return formatTelemetryLine({
    ts,
    action,
    success: true,
    latency_ms: 10 + ts,
    payload: { top: 5 },
    error: null,
    trace_id: `${ts}`.padStart(32, '0'),
    ...extra,
  });
}

async function collect(paths: string | string[], options?: ReadOptions) {
  const stream = readTelemetry(paths, options);
  const events: TelemetryEvent[] = [];
  for await (const event of stream) events.push(event);
  return { events, stats: stream.stats };
}

describe('readTelemetry', () => {
  it('reads the Python Event Kit fixture, normalising its field names', async () => {
    const { events, stats } = await collect(legacyFixture, { includeRotated: false });
    expect(stats).toMatchObject({ files: 1, lines: 6, events: 6, malformed: 0 });
    expect(events[0]).toMatchObject({
      ts: 1766006109.4001617,
      action: 'recommend',
      latency_ms: 1,
      trace_id: '5a4c3307-e1d3-49a8-a2d0-380669ae1bed',
    });
  });

  it('skips and counts malformed lines, keeping file:line of the first five', async () => {
    const file = join(dir, 'telemetry.jsonl');
    const bad = [
      '{"ts":1,', // invalid JSON
      '', // blank
      '{"ts":"x","action":"a","success":true,"latency_ms":1}', // wrong type
      '   ',
      '[1,2]',
      '{"ts":2,"action":"a","success":true,"latency_ms":-1}',
    ];
    const content = [line(1), ...bad.map((b) => `${b}\n`), line(2)].join('');
    await writeFile(file, content);
    const seen: number[] = [];
    const { events, stats } = await collect(file, { onMalformed: (m) => seen.push(m.line) });
    expect(events.map((e) => e.ts)).toEqual([1, 2]);
    expect(stats).toMatchObject({ files: 1, lines: 8, events: 2, malformed: 6 });
    expect(stats.firstMalformed).toEqual([
      { file, line: 2, reason: 'invalid JSON' },
      { file, line: 3, reason: 'blank line' },
      { file, line: 4, reason: expect.stringContaining('ts:') },
      { file, line: 5, reason: 'blank line' },
      { file, line: 6, reason: 'not a JSON object' },
    ]);
    expect(seen).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('counts a truncated last line as malformed, but accepts a complete one without newline', async () => {
    const truncated = join(dir, 'truncated.jsonl');
    await writeFile(truncated, `${line(1)}${line(2).slice(0, 30)}`);
    const complete = join(dir, 'complete.jsonl');
    await writeFile(complete, `${line(1)}${line(2).trimEnd()}`);

    const a = await collect(truncated);
    expect(a.events).toHaveLength(1);
    expect(a.stats.firstMalformed).toEqual([
      {
        file: truncated,
        line: 2,
        reason: 'truncated last line (no newline at end): invalid JSON',
      },
    ]);
    const b = await collect(complete);
    expect(b.events.map((e) => e.ts)).toEqual([1, 2]);
    expect(b.stats.malformed).toBe(0);
  });

  it('rejects invalid UTF-8, and accepts CRLF endings and a byte order mark', async () => {
    const file = join(dir, 'bytes.jsonl');
    const invalid = Buffer.from(line(2).replace('recommend', 'recommend\u00ff'), 'latin1');
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(line(1).replace('\n', '\r\n')),
        invalid,
        Buffer.from(line(3)),
      ]),
    );
    const { events, stats } = await collect(file);
    expect(events.map((e) => e.ts)).toEqual([1, 3]);
    expect(stats.firstMalformed).toEqual([{ file, line: 2, reason: 'invalid UTF-8' }]);
  });

  it('skips a line over 1 MiB without buffering it', async () => {
    const file = join(dir, 'long.jsonl');
    const long = `{"ts":5,"action":"a","success":true,"latency_ms":1,"payload":{"x":"${'y'.repeat(1.5 * 1024 * 1024)}"}}\n`;
    await writeFile(file, `${line(1)}${long}${line(2)}`);
    const { events, stats } = await collect(file);
    expect(events.map((e) => e.ts)).toEqual([1, 2]);
    expect(stats.firstMalformed).toEqual([{ file, line: 2, reason: 'line longer than 1 MiB' }]);
    expect(stats.lines).toBe(3);
  });

  it('reads a rotated set oldest first, gzip archives included', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(`${file}.20240101-000000-000.gz`, gzipSync(line(1) + line(2)));
    await writeFile(`${file}.20240102-000000-000`, line(3));
    await writeFile(`${file}.20240103-000000-000.gz`, gzipSync(line(4)));
    await writeFile(file, line(5));
    const { events, stats } = await collect(file);
    expect(events.map((e) => e.ts)).toEqual([1, 2, 3, 4, 5]);
    expect(stats.files).toBe(4);

    const live = await collect(file, { includeRotated: false });
    expect(live.events.map((e) => e.ts)).toEqual([5]);
  });

  it('reads logrotate archives and several files, without reading a file twice', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    await writeFile(`${a}.2.gz`, gzipSync(line(1)));
    await writeFile(`${a}.1`, line(2));
    await writeFile(a, line(3));
    await writeFile(b, line(4));
    const { events } = await collect([a, b, `${a}.1`, a]);
    expect(events.map((e) => e.ts)).toEqual([1, 2, 3, 4]);
  });

  it('prefers x over x.gz while an archive is being compressed', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(`${file}.20240101-000000-000`, line(1) + line(2));
    await writeFile(`${file}.20240101-000000-000.gz`, gzipSync(line(1)).subarray(0, 12));
    await writeFile(file, line(3));
    const { events, stats } = await collect(file);
    expect(events.map((e) => e.ts)).toEqual([1, 2, 3]);
    expect(stats.malformed).toBe(0);
  });

  it('counts a cut-off gzip archive as malformed and keeps the lines before the cut', async () => {
    const file = join(dir, 'cut.jsonl.gz');
    const whole = gzipSync(Buffer.from(Array.from({ length: 2000 }, (_, i) => line(i)).join('')));
    await writeFile(file, whole.subarray(0, Math.floor(whole.length * 0.8)));
    const { events, stats } = await collect(file);
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(2000);
    expect(stats.firstMalformed.at(-1)?.reason).toMatch(/corrupt or truncated gzip data/);
  });

  it.each([
    ['since (inclusive)', { since: 2 }, [2, 3, 4]],
    ['until (exclusive)', { until: 3 }, [1, 2]],
    ['since and until', { since: 2, until: 4 }, [2, 3]],
    ['actions', { actions: ['explain'] }, [2, 4]],
    ['everything', { since: 1, until: 4, actions: ['explain', 'export'] }, [2]],
  ])('filters by %s', async (_name, options, expected) => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, line(1) + line(2, 'explain') + line(3) + line(4, 'explain'));
    const { events, stats } = await collect(file, options as ReadOptions);
    expect(events.map((e) => e.ts)).toEqual(expected);
    expect(stats.events).toBe(expected.length);
    expect(stats.lines).toBe(4);
  });

  it('throws UNREADABLE_INPUT naming a missing file and what to do', async () => {
    const missing = join(dir, 'telemetry.jsonl');
    const error = await collect(missing).catch((e: unknown) => e);
    expect(isEventKitError(error) && error.code).toBe('UNREADABLE_INPUT');
    expect((error as Error).message).toMatch(
      new RegExp(`^${missing}: no such file — check the path, or whether telemetry is enabled`),
    );
  });

  it('reads the archives when the live file is missing just after a rotation', async () => {
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(`${file}.20240101-000000-000.gz`, gzipSync(line(1)));
    const { events } = await collect(file);
    expect(events.map((e) => e.ts)).toEqual([1]);
  });

  it('throws UNREADABLE_INPUT for a directory', async () => {
    const error = await collect(dir).catch((e: unknown) => e);
    expect(isEventKitError(error) && error.code).toBe('UNREADABLE_INPUT');
    expect((error as Error).message).toContain('not a regular file');
  });

  it('gives exactly what parseTelemetryLine gives, line by line, for random and mutated lines', async () => {
    const file = join(dir, 'random.jsonl');
    const events = fc.record({
      ts: fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: -5, max: 5 }),
      ),
      action: fc.oneof(fc.constant('recommend'), fc.string({ maxLength: 10 })),
      success: fc.boolean(),
      latency_ms: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
      payload: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), {
        maxKeys: 3,
      }),
      error: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
      trace_id: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
    });
    const lineBytes = fc.oneof(
      { weight: 3, arbitrary: events.map((e) => Buffer.from(formatTelemetryLine(e).slice(0, -1))) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(events, fc.nat(), fc.uint8Array({ maxLength: 2 }))
          .map(([e, at, bytes]) => {
            const text = Buffer.from(formatTelemetryLine(e).slice(0, -1));
            const i = at % (text.length + 1);
            return Buffer.concat([text.subarray(0, i), bytes, text.subarray(i + 1)]);
          }),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(lineBytes, { maxLength: 30 }), async (lines) => {
        const safe = lines.map((l) =>
          Buffer.from(l.toString('latin1').replace(/\n/g, ' '), 'latin1'),
        );
        await writeFile(file, Buffer.concat(safe.flatMap((l) => [l, Buffer.from('\n')])));
        const expected = safe.map((l) =>
          isUtf8(l) ? parseTelemetryLine(l.toString('utf8')) : { ok: false as const },
        );
        const { events: read, stats } = await collect(file, { includeRotated: false });
        expect(read).toStrictEqual(expected.flatMap((p) => (p.ok ? [p.event] : [])));
        expect(stats.malformed).toBe(expected.filter((p) => !p.ok).length);
        const filter = { since: -1, until: 1e6, actions: ['recommend', ''] };
        const filtered = await collect(file, { includeRotated: false, ...filter });
        expect(filtered.events).toStrictEqual(
          expected.flatMap((p) =>
            p.ok &&
            p.event.ts >= filter.since &&
            p.event.ts < filter.until &&
            filter.actions.includes(p.event.action)
              ? [p.event]
              : [],
          ),
        );
      }),
      { numRuns: 150 },
    );
  });
});

describe('readTelemetry on a stream (standard input)', () => {
  /** A stream handing out `chunks` one by one, as a pipe does. */
  async function* chunked(chunks: Buffer[]): AsyncGenerator<Buffer> {
    for (const chunk of chunks) yield chunk;
  }

  it('reads the same events as from the file, plain or gzip, chunks split mid-line', async () => {
    const text = Array.from({ length: 200 }, (_, i) => line(i)).join('');
    const file = join(dir, 'telemetry.jsonl');
    await writeFile(file, text);
    const fromFile = await collect(file, { since: 50 });
    for (const bytes of [Buffer.from(text), gzipSync(text)]) {
      // One byte first: gzip is still told by its first two bytes.
      const pieces = [bytes.subarray(0, 1), bytes.subarray(1, 777), bytes.subarray(777)];
      const stream = readTelemetry({ name: '<stdin>', stream: chunked(pieces) }, { since: 50 });
      const events: TelemetryEvent[] = [];
      for await (const event of stream) events.push(event);
      expect(events).toStrictEqual(fromFile.events);
      expect(stream.stats).toMatchObject({ files: 1, lines: 200, events: 150, malformed: 0 });
    }
  });

  it('names malformed lines after the stream, with their line numbers', async () => {
    const text = `${line(1)}not json\n${line(2)}{"ts":3`;
    const stream = readTelemetry({ name: '<stdin>', stream: chunked([Buffer.from(text)]) });
    for await (const _ of stream) {
      // drain
    }
    expect(stream.stats.malformed).toBe(2);
    expect(stream.stats.firstMalformed.map(({ file, line: n }) => `${file}:${n}`)).toStrictEqual([
      '<stdin>:2',
      '<stdin>:4',
    ]);
  });

  it('hands out the events of a chunk before the next chunk is read', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let secondRead = false;
    async function* slowPipe(): AsyncGenerator<Buffer> {
      yield Buffer.from(line(1) + line(2));
      await gate;
      secondRead = true;
      yield Buffer.from(line(3));
    }
    const iterator = readTelemetry({ name: '<stdin>', stream: slowPipe() })[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.ts).toBe(1);
    expect((await iterator.next()).value?.ts).toBe(2);
    expect(secondRead).toBe(false);
    release();
    expect((await iterator.next()).value?.ts).toBe(3);
    expect((await iterator.next()).done).toBe(true);
  });

  it('reads a corrupt gzip stream up to the damage and says where', async () => {
    const gz = gzipSync(Array.from({ length: 50 }, (_, i) => line(i)).join(''));
    const stream = readTelemetry({
      name: '<stdin>',
      stream: chunked([gz.subarray(0, gz.length - 20)]),
    });
    for await (const _ of stream) {
      // drain
    }
    expect(stream.stats.malformed).toBeGreaterThanOrEqual(1);
    expect(stream.stats.firstMalformed.at(-1)?.reason).toMatch(/corrupt or truncated gzip/);
  });
});
