import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTelemetryLine } from '../telemetry/event.js';
import { createTelemetryWriter } from '../telemetry/telemetry-writer.js';
import {
  createFileFollower,
  type FileChange,
  type FileFollower,
  type FileFollowerOptions,
  type FilePosition,
} from './file-follower.js';
import type { DroppedLineReason } from './line-feed.js';

let dir: string;
let file: string;
const followers: FileFollower[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventkit-follow-'));
  file = join(dir, 'telemetry.jsonl');
});
afterEach(async () => {
  for (const follower of followers.splice(0)) await follower.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Line `i` (with its newline); every line, and so every file's first bytes, is distinct. */
const line = (i: number) => `line ${i} ${'·'.repeat(i % 7)}\n`;
const lines = (from: number, count: number) =>
  Array.from({ length: count }, (_, k) => line(from + k).slice(0, -1));

/** Appends lines `from`..`from+count-1` to `path`; returns the next index. */
function append(path: string, from: number, count: number): number {
  appendFileSync(path, lines(from, count).join('\n').concat('\n'));
  return from + count;
}

function gzipInPlace(path: string): void {
  writeFileSync(`${path}.gz`, gzipSync(readFileSync(path)));
  rmSync(path);
}

function follow(options: Partial<FileFollowerOptions> = {}) {
  const seen: string[] = [];
  const dropped: DroppedLineReason[] = [];
  const changes: FileChange[] = [];
  const follower = createFileFollower({
    file,
    onLine: (buf, start, end) => seen.push(buf.toString('utf8', start, end)),
    onDroppedLine: (reason) => dropped.push(reason),
    onFileChange: (change) => changes.push(change),
    ...options,
  });
  followers.push(follower);
  return { follower, seen, dropped, changes };
}

/** Stops a follower and returns where it stood, as the exporter checkpoints it. */
async function stop(run: ReturnType<typeof follow>): Promise<FilePosition> {
  await run.follower.close();
  return run.follower.position() as FilePosition;
}

describe('file follower: lines', () => {
  it('hands out complete lines and lets a partial last line wait for its newline', async () => {
    const run = follow();
    const next = append(file, 0, 3);
    appendFileSync(file, line(next).slice(0, 4));
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 3));
    appendFileSync(file, line(next).slice(4));
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 4));
  });

  it.each([1, 7, 1024])(
    'keeps multi-byte characters that straddle two reads intact (%i-byte reads)',
    async (chunkBytes) => {
      const text = ['é✓🙂 naïve', '日本語のテキスト', '🙂'.repeat(300)];
      writeFileSync(file, text.map((entry) => `${entry}\n`).join(''));
      const run = follow({ chunkBytes });
      await run.follower.poll();
      expect(run.seen).toEqual(text);
      expect(run.seen.join('')).not.toContain('\uFFFD');
    },
  );

  it.each([
    ['one read', 1024 * 1024],
    ['many reads', 64 * 1024],
  ])('drops a line over the length limit (%s) and goes on', async (_, chunkBytes) => {
    const run = follow({ chunkBytes });
    append(file, 0, 1);
    appendFileSync(file, `${'x'.repeat(1024 * 1024 + 1)}\n`);
    append(file, 1, 2);
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 3));
    expect(run.dropped).toEqual(['too-long']);
  });

  it('drops lines over a lower maxLineBytes', async () => {
    const run = follow({ maxLineBytes: 8 });
    writeFileSync(file, 'short\nfar too long\nok\n');
    await run.follower.poll();
    expect(run.seen).toEqual(['short', 'ok']);
    expect(run.dropped).toEqual(['too-long']);
  });

  it('refuses a maxLineBytes over the 1 MiB every reader keeps to', () => {
    expect(() => follow({ maxLineBytes: 2 * 1024 * 1024 })).toThrow(RangeError);
  });

  it('keeps the position at the start of an oversized line until its newline arrives', async () => {
    const run = follow();
    append(file, 0, 1);
    const before = readFileSync(file).length;
    appendFileSync(file, 'x'.repeat(1024 * 1024 + 10));
    await run.follower.poll();
    expect(run.follower.position()?.offset).toBe(before);
    expect(run.dropped).toEqual([]);
    appendFileSync(file, `x\n${line(1)}`);
    await run.follower.poll();
    expect(run.dropped).toEqual(['too-long']);
    expect(run.seen).toEqual(lines(0, 2));
    expect(run.follower.position()?.offset).toBe(readFileSync(file).length);
  });

  it('leaves out a byte order mark at the start of a file', async () => {
    writeFileSync(file, `\uFEFF${line(0)}`);
    const run = follow();
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 1));
  });
});

describe('file follower: where it starts', () => {
  it.each([
    ['start', lines(0, 5)],
    ['end', []],
    [{ lastLines: 2 }, lines(3, 2)],
    [{ lastLines: 50 }, lines(0, 5)],
  ] as const)('from %j hands out those lines, then new ones', async (from, expected) => {
    append(file, 0, 5);
    const run = follow({ from });
    await run.follower.poll();
    expect(run.seen).toEqual(expected);
    append(file, 5, 2);
    await run.follower.poll();
    expect(run.seen).toEqual([...expected, ...lines(5, 2)]);
  });

  it('from the end, hands out a line being written once it is complete', async () => {
    const next = append(file, 0, 2);
    appendFileSync(file, line(next).slice(0, 3));
    const run = follow({ from: 'end' });
    await run.follower.poll();
    expect(run.seen).toEqual([]);
    appendFileSync(file, line(next).slice(3));
    await run.follower.poll();
    expect(run.seen).toEqual(lines(next, 1));
  });

  it('counts the last lines back from far beyond one read', async () => {
    append(file, 0, 20_000);
    const run = follow({ from: { lastLines: 12_000 } });
    await run.follower.poll();
    expect(run.seen).toEqual(lines(8_000, 12_000));
  });

  it('with backfill, reads every archive (plain and .gz) before the live file', async () => {
    let next = append(`${file}.2`, 0, 3);
    gzipInPlace(`${file}.2`);
    next = append(`${file}.1`, next, 4);
    append(file, next, 5);
    const run = follow({ backfill: true });
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 12));
    expect(run.changes).toEqual([]);
  });

  it('waits for a file that does not exist yet', async () => {
    const run = follow();
    await run.follower.poll();
    expect(run.follower.position()).toBeUndefined();
    append(file, 0, 2);
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 2));
  });
});

describe('file follower: rotation while running', () => {
  it('finishes the renamed file, then reads the new one', async () => {
    const run = follow();
    let next = append(file, 0, 10);
    await run.follower.poll();
    next = append(file, next, 5); // written just before the rename
    renameSync(file, `${file}.1`);
    append(file, next, 7);
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 22));
    expect(run.changes).toEqual(['rotated']);
  });

  it('also reads archives that were rotated in between two polls', async () => {
    const run = follow();
    let next = append(file, 0, 3);
    await run.follower.poll();
    next = append(file, next, 2);
    renameSync(file, `${file}.1`);
    next = append(file, next, 4);
    renameSync(`${file}.1`, `${file}.2`);
    renameSync(file, `${file}.1`);
    append(file, next, 5);
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 14));
    expect(run.changes).toEqual(['rotated', 'rotated']);
  });

  it('reads a missed archive that was already compressed', async () => {
    const run = follow();
    let next = append(file, 0, 3);
    await run.follower.poll();
    renameSync(file, `${file}.20240101-000000-000`);
    next = append(file, next, 4);
    renameSync(file, `${file}.20240101-000001-000`);
    gzipInPlace(`${file}.20240101-000001-000`);
    append(file, next, 5);
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 12));
    expect(run.changes).toEqual(['rotated', 'rotated']);
  });

  it('starts over after copytruncate', async () => {
    const run = follow();
    const next = append(file, 0, 10);
    await run.follower.poll();
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    append(file, next, 3);
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 13));
    expect(run.changes).toEqual(['truncated']);
  });

  it('notices a truncation even when the file has grown past the old offset again', async () => {
    const run = follow();
    const next = append(file, 0, 5);
    await run.follower.poll();
    truncateSync(file, 0);
    append(file, next, 8);
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 13));
    expect(run.changes).toEqual(['truncated']);
  });

  it('follows deletion and re-creation', async () => {
    const run = follow();
    const next = append(file, 0, 5);
    await run.follower.poll();
    rmSync(file);
    await run.follower.poll();
    append(file, next, 3);
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 8));
    expect(run.changes).toEqual(['rotated']);
  });

  it("drops a rotated file's unterminated last line", async () => {
    const run = follow();
    const next = append(file, 0, 2);
    appendFileSync(file, 'cut sh');
    await run.follower.poll();
    renameSync(file, `${file}.1`);
    append(file, next, 1);
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, 3));
    expect(run.dropped).toEqual(['unterminated']);
  });
});

describe('file follower: resuming from a position', () => {
  it('resumes without losing or repeating a line', async () => {
    const first = follow();
    let next = append(file, 0, 5);
    appendFileSync(file, line(next).slice(0, 4)); // partial: not yet handed out
    await first.follower.poll();
    const saved = await stop(first);
    appendFileSync(file, line(next).slice(4));
    next = append(file, next + 1, 3);
    const second = follow({ resume: saved });
    await second.follower.poll();
    expect([...first.seen, ...second.seen]).toEqual(lines(0, 9));
  });

  it('finishes a file rotated in between, then reads the new one', async () => {
    const first = follow();
    let next = append(file, 0, 5);
    await first.follower.poll();
    const saved = await stop(first);
    next = append(file, next, 2);
    renameSync(file, `${file}.1`);
    append(file, next, 4);
    const second = follow({ resume: saved });
    await second.follower.poll();
    expect([...first.seen, ...second.seen]).toEqual(lines(0, 11));
    expect(second.changes).toEqual(['rotated']);
  });

  it('finds the file by its fingerprint after it was compressed, and reads later archives too', async () => {
    const first = follow();
    let next = append(file, 0, 5);
    await first.follower.poll();
    const saved = await stop(first);
    next = append(file, next, 2);
    renameSync(file, `${file}.20240101-000000-000`);
    gzipInPlace(`${file}.20240101-000000-000`);
    next = append(file, next, 3);
    renameSync(file, `${file}.20240101-000001-000`);
    append(file, next, 4);
    const second = follow({ resume: saved });
    await second.follower.poll();
    expect([...first.seen, ...second.seen]).toEqual(lines(0, 14));
    expect(second.changes).toEqual(['rotated', 'rotated']);
  });

  it('reads a re-created file from its start when the saved one was deleted', async () => {
    const first = follow();
    const next = append(file, 0, 5);
    await first.follower.poll();
    const saved = await stop(first);
    rmSync(file);
    append(file, next, 3);
    const warnings: string[] = [];
    const second = follow({ resume: saved, warn: (message) => warnings.push(message) });
    await second.follower.poll();
    expect([...first.seen, ...second.seen]).toEqual(lines(0, 8));
    // The new file may even reuse the old inode: then it reads as truncated.
    expect(warnings).toEqual([expect.stringMatching(/^.*telemetry\.jsonl: .*from the start$/)]);
  });

  it('finishes a file rotated in between even before the new file exists, then picks it up', async () => {
    const first = follow();
    let next = append(file, 0, 5);
    await first.follower.poll();
    const saved = await stop(first);
    next = append(file, next, 2);
    renameSync(file, `${file}.1`);
    const second = follow({ resume: saved });
    await second.follower.poll();
    expect([...first.seen, ...second.seen]).toEqual(lines(0, 7));
    next = append(file, next, 1);
    renameSync(`${file}.1`, `${file}.2`);
    renameSync(file, `${file}.1`); // rotated again before the follower ever saw it
    append(file, next, 4);
    await second.follower.poll();
    expect([...first.seen, ...second.seen]).toEqual(lines(0, 12));
    expect(second.changes).toEqual(['rotated', 'rotated']);
  });

  it('starts over a file truncated in between', async () => {
    const first = follow();
    const next = append(file, 0, 5);
    await first.follower.poll();
    const saved = await stop(first);
    writeFileSync(file, '');
    append(file, next, 2);
    const second = follow({ resume: saved });
    await second.follower.poll();
    expect([...first.seen, ...second.seen]).toEqual(lines(0, 7));
    expect(second.changes).toEqual(['rotated']);
  });
});

describe("file follower: core's telemetry writer rotating underneath", () => {
  it.each([
    ['compressed archives', true],
    ['plain archives', false],
  ])(
    'hands out every line exactly once, in order, through many rotations (%s)',
    async (_, compress) => {
      const writer = createTelemetryWriter({
        file,
        maxSizeBytes: 8 * 1024,
        compress,
        retention: { maxFiles: 0, maxAgeDays: 0 },
        flushIntervalMs: 1,
      });
      const run = follow();
      // Started before the first event: everything the writer writes is new, not history.
      await run.follower.poll();
      let writing = true;
      const polling = (async () => {
        while (writing) {
          await run.follower.poll();
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      for (let i = 0; i < 4000; i++) {
        writer.write({ ts: 1732540000 + i, action: 'recommend', success: true, latency_ms: i });
        if (i % 50 === 0) await writer.flush();
      }
      await writer.close();
      writing = false;
      await polling;
      await run.follower.poll();
      expect(writer.stats).toMatchObject({ written: 4000, dropped: 0 });
      expect(writer.stats.rotations).toBeGreaterThan(20);
      const latencies = run.seen.map((text) => {
        const parsed = parseTelemetryLine(text);
        return parsed.ok ? parsed.event.latency_ms : -1;
      });
      expect(latencies).toEqual(Array.from({ length: 4000 }, (_, i) => i));
      expect(run.changes).toHaveLength(writer.stats.rotations);
      expect(run.dropped).toEqual([]);
    },
  );
});
