import {
  appendFileSync,
  copyFileSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createTelemetryWriter, readTelemetry } from '@eventkit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFileTailer,
  type FilePosition,
  type FileTailer,
  type FileTailerOptions,
} from './file-tailer.js';
import { createTelemetryTally, type TallySnapshot } from './tally.js';
import {
  appendLines,
  gzipInPlace,
  telemetryLine,
  tempDir,
} from './test-support/telemetry-files.js';

let dir: string;
let cleanup: () => void;
let file: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = join(dir, 'telemetry.jsonl');
});
const tailers: FileTailer[] = [];
afterEach(async () => {
  for (const tailer of tailers.splice(0)) await tailer.close();
  cleanup();
});

function follow(options: Partial<FileTailerOptions> & { restored?: TallySnapshot } = {}) {
  const tally = createTelemetryTally(options.restored);
  const tailer = createFileTailer({ file, tally, ...options });
  tailers.push(tailer);
  const counts = () => ({
    requests: Object.values(tally.state.actions).reduce((sum, a) => sum + a.requests, 0),
    lines: tally.state.lines,
    malformed: tally.state.malformedLines,
    rotations: tally.state.rotations,
  });
  return { tally, tailer, counts };
}

/** Stops a tailer the way the exporter does: the position and the counters, taken together. */
async function stop(
  run: ReturnType<typeof follow>,
): Promise<{ position: FilePosition; tally: TallySnapshot }> {
  await run.tailer.close();
  return { position: run.tailer.position() as FilePosition, tally: run.tally.snapshot() };
}

describe('file tailer: lines', () => {
  it('counts complete lines and lets a partial last line wait for its newline', async () => {
    const run = follow();
    appendLines(file, 0, 3);
    const partial = telemetryLine(3);
    appendFileSync(file, partial.slice(0, 20));
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 3, lines: 3, malformed: 0, rotations: 0 });
    appendFileSync(file, partial.slice(20));
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 4, lines: 4, malformed: 0, rotations: 0 });
  });

  it('counts malformed lines (bad JSON, schema violations, blank lines) without stopping', async () => {
    const run = follow();
    appendLines(file, 0, 1);
    appendFileSync(
      file,
      '{"ts":1,"action":"recommend"\n{"ts":"x","action":"a","success":true,"latency_ms":1}\n\n',
    );
    appendLines(file, 1, 1);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 2, lines: 5, malformed: 3, rotations: 0 });
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
    const run = follow();
    await run.tailer.poll();
    const stream = readTelemetry(file, { includeRotated: false });
    for await (const _ of stream) {
      // drain
    }
    expect(run.counts()).toMatchObject({
      requests: stream.stats.events,
      lines: stream.stats.lines,
      malformed: stream.stats.malformed,
    });
    expect(stream.stats.malformed).toBe(4);
  });

  it.each([
    ['in one chunk', 4 * 1024 * 1024],
    ['across many chunks', 64 * 1024],
  ])('drops a line over the length limit %s, counting it malformed', async (_, chunkBytes) => {
    const run = follow({ chunkBytes, maxLineBytes: 1024 * 1024 });
    appendLines(file, 0, 1);
    appendFileSync(file, `{"ts":1,"action":"recommend","pad":"${'x'.repeat(1024 * 1024)}"}\n`);
    appendLines(file, 1, 2);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 3, lines: 4, malformed: 1, rotations: 0 });
  });

  it('keeps a multi-byte character split across chunks intact', async () => {
    const run = follow({ chunkBytes: 1024 });
    for (let i = 0; i < 50; i++) {
      appendFileSync(
        file,
        `${JSON.stringify({ ts: i, action: 'explain', success: true, latency_ms: 1, error: 'é✓🙂'.repeat(20) })}\n`,
      );
    }
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 50, lines: 50, malformed: 0, rotations: 0 });
  });
});

describe('file tailer: rotation while running', () => {
  it('finishes the renamed file, then reads the new one', async () => {
    const run = follow();
    let next = appendLines(file, 0, 10);
    await run.tailer.poll();
    next = appendLines(file, next, 5); // written just before the rename
    renameSync(file, `${file}.1`);
    appendLines(file, next, 7);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 22, lines: 22, malformed: 0, rotations: 1 });
  });

  it('also reads archives that were rotated in between two polls', async () => {
    const run = follow();
    let next = appendLines(file, 0, 3);
    await run.tailer.poll();
    next = appendLines(file, next, 2);
    renameSync(file, `${file}.1`);
    next = appendLines(file, next, 4);
    renameSync(`${file}.1`, `${file}.2`);
    renameSync(file, `${file}.1`);
    appendLines(file, next, 5);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 14, lines: 14, malformed: 0, rotations: 2 });
  });

  it('reads a missed archive that was already compressed', async () => {
    const run = follow();
    let next = appendLines(file, 0, 3);
    await run.tailer.poll();
    renameSync(file, `${file}.20240101-000000-000`);
    next = appendLines(file, next, 4);
    renameSync(file, `${file}.20240101-000001-000`);
    gzipInPlace(`${file}.20240101-000001-000`);
    appendLines(file, next, 5);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 12, lines: 12, malformed: 0, rotations: 2 });
  });

  it('starts over after copytruncate, counting a rotation', async () => {
    const run = follow();
    const next = appendLines(file, 0, 10);
    await run.tailer.poll();
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    appendLines(file, next, 3);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 13, lines: 13, malformed: 0, rotations: 1 });
  });

  it('notices a truncation even when the file has grown past the old offset again', async () => {
    const run = follow();
    const next = appendLines(file, 0, 5);
    await run.tailer.poll();
    truncateSync(file, 0);
    appendLines(file, next, 8);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 13, lines: 13, malformed: 0, rotations: 1 });
  });

  it('follows deletion and re-creation', async () => {
    const run = follow();
    const next = appendLines(file, 0, 5);
    await run.tailer.poll();
    rmSync(file);
    await run.tailer.poll();
    expect(run.counts().requests).toBe(5);
    appendLines(file, next, 3);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 8, lines: 8, malformed: 0, rotations: 1 });
  });

  it('waits for a file that does not exist yet', async () => {
    const run = follow();
    await run.tailer.poll();
    appendLines(file, 0, 2);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 2, lines: 2, malformed: 0, rotations: 0 });
  });

  it('counts an unterminated last line of a rotated file as dropped', async () => {
    const run = follow();
    const next = appendLines(file, 0, 2);
    appendFileSync(file, '{"ts":1,"act');
    await run.tailer.poll();
    renameSync(file, `${file}.1`);
    appendLines(file, next, 1);
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 3, lines: 4, malformed: 1, rotations: 1 });
  });
});

describe('file tailer: restarts', () => {
  it('resumes from a checkpoint without losing or repeating a line', async () => {
    const first = follow();
    let next = appendLines(file, 0, 5);
    appendFileSync(file, telemetryLine(next).slice(0, 10)); // partial: not yet counted
    await first.tailer.poll();
    const saved = await stop(first);
    appendFileSync(file, telemetryLine(next).slice(10));
    next = appendLines(file, next + 1, 3);
    const second = follow({ resume: saved.position, restored: saved.tally });
    await second.tailer.poll();
    expect(second.counts()).toEqual({ requests: 9, lines: 9, malformed: 0, rotations: 0 });
  });

  it.each([
    ['start', 5],
    ['end', 0],
  ] as const)('without a checkpoint, --from %s decides where to begin', async (from, expected) => {
    appendLines(file, 0, 5);
    const run = follow({ from });
    await run.tailer.poll();
    expect(run.counts().requests).toBe(expected);
    appendLines(file, 5, 2);
    await run.tailer.poll();
    expect(run.counts().requests).toBe(expected + 2);
  });

  it('with --backfill, reads every archive (plain and .gz) before the live file', async () => {
    let next = appendLines(`${file}.2`, 0, 3);
    gzipInPlace(`${file}.2`);
    next = appendLines(`${file}.1`, next, 4);
    appendLines(file, next, 5);
    const run = follow({ backfill: true });
    await run.tailer.poll();
    expect(run.counts()).toEqual({ requests: 12, lines: 12, malformed: 0, rotations: 0 });
  });

  it('finishes a file rotated while stopped, then reads the new one', async () => {
    const first = follow();
    let next = appendLines(file, 0, 5);
    await first.tailer.poll();
    const saved = await stop(first);
    next = appendLines(file, next, 2);
    renameSync(file, `${file}.1`);
    appendLines(file, next, 4);
    const second = follow({ resume: saved.position, restored: saved.tally });
    await second.tailer.poll();
    expect(second.counts()).toEqual({ requests: 11, lines: 11, malformed: 0, rotations: 1 });
  });

  it('finds the checkpointed file by fingerprint after it was compressed, and reads later archives too', async () => {
    const first = follow();
    let next = appendLines(file, 0, 5);
    await first.tailer.poll();
    const saved = await stop(first);
    next = appendLines(file, next, 2);
    renameSync(file, `${file}.20240101-000000-000`);
    gzipInPlace(`${file}.20240101-000000-000`);
    next = appendLines(file, next, 3);
    renameSync(file, `${file}.20240101-000001-000`);
    appendLines(file, next, 4);
    const second = follow({ resume: saved.position, restored: saved.tally });
    await second.tailer.poll();
    expect(second.counts()).toEqual({ requests: 14, lines: 14, malformed: 0, rotations: 2 });
  });

  it('reads a re-created file from its start when the checkpointed one was deleted while stopped', async () => {
    const first = follow();
    const next = appendLines(file, 0, 5);
    await first.tailer.poll();
    const saved = await stop(first);
    rmSync(file);
    appendLines(file, next, 3);
    const second = follow({ resume: saved.position, restored: saved.tally });
    await second.tailer.poll();
    expect(second.counts()).toEqual({ requests: 8, lines: 8, malformed: 0, rotations: 1 });
  });

  it('finishes a file rotated while stopped even before the new file exists, then picks the new one up', async () => {
    const first = follow();
    let next = appendLines(file, 0, 5);
    await first.tailer.poll();
    const saved = await stop(first);
    next = appendLines(file, next, 2);
    renameSync(file, `${file}.1`);
    const second = follow({ resume: saved.position, restored: saved.tally });
    await second.tailer.poll();
    expect(second.counts()).toEqual({ requests: 7, lines: 7, malformed: 0, rotations: 0 });
    next = appendLines(file, next, 1);
    renameSync(`${file}.1`, `${file}.2`);
    renameSync(file, `${file}.1`); // rotated again before the exporter ever saw it
    appendLines(file, next, 4);
    await second.tailer.poll();
    expect(second.counts()).toEqual({ requests: 12, lines: 12, malformed: 0, rotations: 2 });
  });

  it('starts over a file truncated while stopped', async () => {
    const first = follow();
    const next = appendLines(file, 0, 5);
    await first.tailer.poll();
    const saved = await stop(first);
    writeFileSync(file, '');
    appendLines(file, next, 2);
    const second = follow({ resume: saved.position, restored: saved.tally });
    await second.tailer.poll();
    expect(second.counts()).toEqual({ requests: 7, lines: 7, malformed: 0, rotations: 1 });
  });
});

describe('file tailer: core telemetry writer rotating underneath', () => {
  it.each([
    ['compressed archives', true],
    ['plain archives', false],
  ])('counts every event exactly once through many rotations (%s)', async (_, compress) => {
    const writer = createTelemetryWriter({
      file,
      maxSizeBytes: 8 * 1024,
      compress,
      retention: { maxFiles: 0, maxAgeDays: 0 },
      flushIntervalMs: 1,
    });
    const run = follow();
    // Started before the first event: everything the writer writes is new, not history.
    await run.tailer.poll();
    let writing = true;
    const polling = (async () => {
      while (writing) {
        await run.tailer.poll();
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let i = 0; i < 4000; i++) {
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
    await run.tailer.poll();
    expect(writer.stats).toMatchObject({ written: 4000, dropped: 0 });
    expect(writer.stats.rotations).toBeGreaterThan(20);
    expect(run.counts()).toEqual({
      requests: 4000,
      lines: 4000,
      malformed: 0,
      rotations: writer.stats.rotations,
    });
    expect(
      (run.tally.state.actions.recommend?.errors ?? 0) +
        (run.tally.state.actions.explain?.errors ?? 0),
    ).toBe(400);
  });
});
