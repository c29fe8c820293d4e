import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createTelemetryWriter } from '@eventkit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Checkpoint } from './checkpoint.js';
import { createExporter, type Exporter, type ExporterOptions } from './exporter.js';
import { createTelemetryTally } from './tally.js';
import {
  appendLines,
  gzipInPlace,
  telemetryLine,
  tempDir,
} from './test-support/telemetry-files.js';

// Several files behind one exporter: patterns, files that appear later, one set of series.

let dir: string;
let cleanup: () => void;
let stateFile: string;
const exporters: Exporter[] = [];
const at = (name: string) => join(dir, name);

beforeEach(() => {
  ({ dir, cleanup } = tempDir('exporter-files-'));
  stateFile = at('state.json');
});
afterEach(async () => {
  for (const exporter of exporters.splice(0)) await exporter.stop();
  cleanup();
});

async function start(options: Partial<ExporterOptions> = {}) {
  const exporter = await createExporter({
    files: [at('telemetry*.jsonl')],
    processMetrics: false,
    ...options,
  });
  exporters.push(exporter);
  const series = async (name: string) =>
    (await exporter.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? [];
  const sum = async (name: string) =>
    (await series(name)).reduce((total, { value }) => total + value, 0);
  const lag = async () =>
    Object.fromEntries(
      (await series('event_agent_exporter_file_lag_bytes')).map(({ labels, value }) => [
        labels.file,
        value,
      ]),
    );
  const counts = async () => ({
    requests: await sum('event_agent_requests_total'),
    lines: await sum('event_agent_exporter_lines_total'),
    rotations: await sum('event_agent_exporter_rotations_total'),
    files: await sum('event_agent_exporter_files'),
  });
  return { exporter, series, counts, lag };
}

const readState = () => JSON.parse(readFileSync(stateFile, 'utf8')) as Checkpoint;

describe('exporter: several files', () => {
  it('follows the files a glob matches and one that appears later, with the archives it already had', async () => {
    appendLines(at('telemetry-w1.jsonl'), 0, 10);
    appendLines(at('telemetry-w2.jsonl'), 100, 20);
    const run = await start();
    await run.exporter.poll();
    expect(await run.counts()).toEqual({ requests: 30, lines: 30, rotations: 0, files: 2 });

    // A third worker starts, and its file is rotated and compressed before the next poll.
    const w3 = at('telemetry-w3.jsonl');
    appendLines(w3, 200, 5);
    renameSync(w3, `${w3}.20240315-083000-123`);
    gzipInPlace(`${w3}.20240315-083000-123`);
    appendLines(w3, 205, 4);
    await run.exporter.poll();
    // Its archive is history it brought along, not a rotation this exporter followed.
    expect(await run.counts()).toEqual({ requests: 39, lines: 39, rotations: 0, files: 3 });
    expect(run.exporter.status().files.sort()).toEqual(
      ['telemetry-w1.jsonl', 'telemetry-w2.jsonl', 'telemetry-w3.jsonl'].map(at),
    );
  });

  it('keeps one set of series for all the files, with no label telling them apart', async () => {
    appendLines(at('telemetry-w1.jsonl'), 0, 3);
    appendLines(at('telemetry-w2.jsonl'), 3, 4);
    const run = await start();
    await run.exporter.poll();
    const requests = await run.series('event_agent_requests_total');
    expect(requests.find(({ labels }) => labels.action === 'recommend')?.value).toBe(7);
    for (const { labels } of requests) expect(Object.keys(labels)).toEqual(['action']);
  });

  it("counts every line exactly once while one file rotates under core's writer and another keeps growing", async () => {
    const writer = createTelemetryWriter({
      file: at('telemetry-w1.jsonl'),
      maxSizeBytes: 8 * 1024,
      compress: true,
      retention: { maxFiles: 0, maxAgeDays: 0 },
      flushIntervalMs: 1,
    });
    const w2 = at('telemetry-w2.jsonl');
    const run = await start();
    // Both files followed before the first rotation: every rotation is one the exporter follows.
    writer.write({ ts: 1732539999, action: 'explain', success: true, latency_ms: 3 });
    await writer.flush();
    let next = appendLines(w2, 0, 1);
    await run.exporter.poll();
    let writing = true;
    const polling = (async () => {
      while (writing) {
        await run.exporter.poll();
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let i = 0; i < 1000; i++) {
      writer.write({ ts: 1732540000 + i / 1000, action: 'explain', success: true, latency_ms: 3 });
      if (i % 50 === 0) {
        await writer.flush();
        next = appendLines(w2, next, 7);
      }
    }
    await writer.close();
    writing = false;
    await polling;
    await run.exporter.poll();
    expect(writer.stats.rotations).toBeGreaterThan(5);
    expect(await run.counts()).toEqual({
      requests: 1001 + next,
      lines: 1001 + next,
      rotations: writer.stats.rotations,
      files: 2,
    });
  });

  it("reads a worker's file found late while it keeps rotating fast: its archives, and those rotated meanwhile", async () => {
    const run = await start();
    await run.exporter.poll();
    const writer = createTelemetryWriter({
      file: at('telemetry-w3.jsonl'),
      maxSizeBytes: 4 * 1024,
      compress: true,
      retention: { maxFiles: 0, maxAgeDays: 0 },
      flushIntervalMs: 1,
    });
    let polling: Promise<void> = Promise.resolve();
    for (let i = 0; i < 3000; i++) {
      writer.write({ ts: 1732540000 + i / 1000, action: 'explain', success: true, latency_ms: 3 });
      if (i % 20 !== 0) continue;
      await writer.flush();
      // Found only after a dozen rotations, and polled while the writer goes on: its backfill
      // runs while it keeps rotating.
      if (i >= 500) polling = run.exporter.poll();
    }
    await writer.close();
    await polling;
    await run.exporter.poll();
    expect(writer.stats.rotations).toBeGreaterThan(50);
    expect(await run.counts()).toMatchObject({ requests: 3000, lines: 3000, files: 1 });
  });

  it('continues exactly after a restart while the files rotated, grew and appeared in between', async () => {
    const w1 = at('telemetry-w1.jsonl');
    const w2 = at('telemetry-w2.jsonl');
    let next = appendLines(w1, 0, 10);
    next = appendLines(w2, next, 10);
    const first = await start({ stateFile });
    await first.exporter.poll();
    await first.exporter.stop();

    next = appendLines(w1, next, 3);
    renameSync(w1, `${w1}.20240315-083000-123`);
    next = appendLines(w1, next, 4);
    next = appendLines(w2, next, 5);
    next = appendLines(at('telemetry-w3.jsonl'), next, 6);
    const second = await start({ stateFile });
    await second.exporter.poll();
    expect(await second.counts()).toEqual({ requests: next, lines: next, rotations: 1, files: 3 });
    await second.exporter.checkpoint();
    expect(Object.keys(readState().files).sort()).toEqual(
      ['telemetry-w1.jsonl', 'telemetry-w2.jsonl', 'telemetry-w3.jsonl'].map(at),
    );
  });
});

describe('exporter: the state file, one entry per file', () => {
  it('migrates a version-1 state file: its file resumes where it stood, the other workers are read whole', async () => {
    const file = at('telemetry.jsonl');
    appendLines(file, 0, 10);
    // What the exporter wrote before it followed several files: six lines read, one bare position.
    const tally = createTelemetryTally();
    for (let i = 0; i < 6; i++) {
      const line = Buffer.from(telemetryLine(i).trimEnd());
      tally.countLine(line, 0, line.length);
    }
    const { dev, ino } = statSync(file);
    writeFileSync(
      stateFile,
      JSON.stringify({
        version: 1,
        savedAt: '2026-01-01T00:00:00.000Z',
        files: {
          [file]: {
            dev,
            ino,
            fingerprint: head(file).toString('base64'),
            offset: Buffer.byteLength(
              Array.from({ length: 6 }, (_, i) => telemetryLine(i)).join(''),
            ),
          },
        },
        tally: tally.snapshot(),
      }),
    );
    appendLines(at('telemetry-w1.jsonl'), 10, 5);
    appendLines(at('telemetry-w2.jsonl.1'), 15, 2);
    appendLines(at('telemetry-w2.jsonl'), 17, 3);

    const run = await start({ files: [{ kind: 'instances', file }], stateFile });
    await run.exporter.poll();
    expect(await run.counts()).toEqual({ requests: 20, lines: 20, rotations: 0, files: 3 });
    await run.exporter.checkpoint();
    const saved = readState();
    expect(saved.version).toBe(2);
    expect(Object.values(saved.files).every((entry) => 'position' in entry)).toBe(true);
    expect(saved.tally.lines).toBe(20);
  });

  it('pins where each file starts, so a restart before its turn loses nothing of a file rotated meanwhile', async () => {
    const w1 = at('telemetry-w1.jsonl');
    const w2 = at('telemetry-w2.jsonl');
    appendLines(`${w2}.1`, 0, 50); // history before the first start: not read without --backfill
    let next = appendLines(w1, 50, 10);
    next = appendLines(w2, next, 10);
    const first = await start({ stateFile });
    await first.exporter.stop(); // before its first poll, as a kill in the middle of a catch-up
    expect(Object.values(readState().files)).toEqual([
      { position: expect.objectContaining({ offset: 0 }) },
      { position: expect.objectContaining({ offset: 0 }) },
    ]);
    next = appendLines(w2, next, 5);
    renameSync(w2, `${w2}.20240315-083000-123`);
    next = appendLines(w2, next, 5);
    const second = await start({ stateFile });
    await second.exporter.poll();
    expect(await second.counts()).toEqual({
      requests: next - 50,
      lines: next - 50,
      rotations: 1,
      files: 2,
    });
  });

  it("keeps a file's start in the state file until it is read, so a restart takes the same one (--from end)", async () => {
    appendLines(at('telemetry-w1.jsonl'), 0, 10);
    appendLines(at('telemetry-w2.jsonl'), 10, 10);
    const first = await start({ stateFile, from: 'end' });
    await first.exporter.stop(); // before its first poll, as a kill in the middle of a catch-up
    expect(Object.values(readState().files)).toEqual([
      { start: { from: 'end', backfill: false } },
      { start: { from: 'end', backfill: false } },
    ]);
    const second = await start({ stateFile });
    await second.exporter.poll();
    appendLines(at('telemetry-w1.jsonl'), 20, 2);
    appendLines(at('telemetry-w2.jsonl'), 22, 1);
    await second.exporter.poll();
    expect(await second.counts()).toEqual({ requests: 3, lines: 3, rotations: 0, files: 2 });
  });

  it('continues no state file when several matched files have one, and says so', async () => {
    const former = (file: string) => `${file}.state.json`;
    for (const [name, from] of [
      ['a.jsonl', 0],
      ['b.jsonl', 10],
    ] as const) {
      appendLines(at(name), from, 3);
      const single = await start({ files: [at(name)], stateFile: former(at(name)) });
      await single.exporter.poll();
      await single.exporter.stop();
    }
    const warnings: string[] = [];
    const run = await start({
      files: [at('*.jsonl')],
      stateFile,
      formerStateFile: former,
      warn: (message) => warnings.push(message),
    });
    await run.exporter.poll();
    expect(warnings).toEqual([
      `several state files (${former(at('a.jsonl'))}, ${former(at('b.jsonl'))}) and none at ${stateFile}: counting afresh; pass the one to continue with --state-file`,
    ]);
    expect(await run.counts()).toMatchObject({ requests: 6, files: 2 });
  });

  it('stops following a checkpointed file that --file no longer names, and says so', async () => {
    appendLines(at('a.jsonl'), 0, 2);
    appendLines(at('b.jsonl'), 2, 3);
    const first = await start({ files: [at('*.jsonl')], stateFile });
    await first.exporter.poll();
    await first.exporter.stop();
    const warnings: string[] = [];
    const second = await start({
      files: [at('a.jsonl')],
      stateFile,
      warn: (message) => warnings.push(message),
    });
    appendLines(at('b.jsonl'), 5, 1);
    await second.exporter.poll();
    expect(warnings).toEqual([
      `${at('b.jsonl')}: in the state file but no longer named by --file; no longer followed`,
    ]);
    expect(second.exporter.status().files).toEqual([at('a.jsonl')]);
    expect(await second.counts()).toMatchObject({ requests: 5, files: 1 });
  });
});

describe('exporter: files followed and their lag', () => {
  it('reports the bytes of each file after the last complete line read', async () => {
    const w1 = at('telemetry-w1.jsonl');
    const w2 = at('telemetry-w2.jsonl');
    appendLines(w1, 0, 2);
    appendLines(w2, 2, 2);
    const run = await start();
    expect(await run.lag()).toEqual({
      'telemetry-w1.jsonl': statSync(w1).size,
      'telemetry-w2.jsonl': statSync(w2).size,
    });
    await run.exporter.poll();
    expect(await run.lag()).toEqual({ 'telemetry-w1.jsonl': 0, 'telemetry-w2.jsonl': 0 });
    const partial = telemetryLine(5).slice(0, 17);
    appendFileSync(w1, telemetryLine(4) + partial);
    expect(await run.lag()).toEqual({
      'telemetry-w1.jsonl': Buffer.byteLength(telemetryLine(4) + partial),
      'telemetry-w2.jsonl': 0,
    });
    await run.exporter.poll();
    expect(await run.lag()).toEqual({
      'telemetry-w1.jsonl': partial.length,
      'telemetry-w2.jsonl': 0,
    });
  });

  it('follows a rotated file while it has archives, and drops its series once it is gone for good', async () => {
    const w1 = at('telemetry-w1.jsonl');
    const w2 = at('telemetry-w2.jsonl');
    appendLines(w1, 0, 2);
    appendLines(w2, 2, 2);
    const run = await start();
    await run.exporter.poll();
    rmSync(w2); // deleted, no archives: gone for good
    renameSync(w1, `${w1}.1`); // rotated, its agent stopped: its archive stays
    await run.exporter.poll();
    expect(await run.counts()).toMatchObject({ requests: 4, files: 1 });
    expect(Object.keys(await run.lag())).toEqual(['telemetry-w1.jsonl']);
    rmSync(`${w1}.1`);
    await run.exporter.poll();
    expect(await run.counts()).toMatchObject({ requests: 4, files: 0 });
    expect(await run.lag()).toEqual({});
    appendLines(w2, 10, 3); // the same name again: a new file, read whole
    await run.exporter.poll();
    expect(await run.counts()).toMatchObject({ requests: 7, files: 1 });
  });

  it('labels files by base name, and by path where two share one', async () => {
    mkdirSync(at('a'));
    mkdirSync(at('b'));
    appendLines(at('a/telemetry.jsonl'), 0, 1);
    appendLines(at('b/telemetry.jsonl'), 1, 1);
    appendLines(at('b/telemetry-w2.jsonl'), 2, 1);
    const run = await start({ files: [at('*/telemetry*.jsonl')] });
    await run.exporter.poll();
    expect(Object.keys(await run.lag()).sort()).toEqual(
      [at('a/telemetry.jsonl'), at('b/telemetry.jsonl'), 'telemetry-w2.jsonl'].sort(),
    );
  });
});

/** The first bytes of a file, as the follower fingerprints it. */
function head(file: string): Buffer {
  const buffer = Buffer.alloc(256);
  const fd = openSync(file, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, 256, 0));
  } finally {
    closeSync(fd);
  }
}
