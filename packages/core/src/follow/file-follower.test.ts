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
import { collectLines } from './test-support/collect-lines.js';

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
  const { lines: seen, dropped, onLine, onDroppedLine } = collectLines();
  const changes: FileChange[] = [];
  const follower = createFileFollower({
    file,
    onLine,
    onDroppedLine,
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

  it('with backfill, also reads what is rotated while the archives are being read', async () => {
    let next = append(`${file}.20240315-080000-000`, 0, 3);
    next = append(file, next, 4);
    const { lines: seen, onLine } = collectLines();
    const changes: FileChange[] = [];
    let rotated = false;
    const follower = createFileFollower({
      file,
      backfill: true,
      onFileChange: (change) => changes.push(change),
      onLine: (buf, start, end) => {
        onLine(buf, start, end);
        if (rotated) return;
        // The live file is rotated twice while the first archive is being read.
        rotated = true;
        renameSync(file, `${file}.20240315-080000-001`);
        next = append(file, next, 2);
        renameSync(file, `${file}.20240315-080000-002`);
        next = append(file, next, 1);
      },
    });
    followers.push(follower);
    await follower.poll();
    expect(seen).toEqual(lines(0, 10));
    expect(changes).toEqual(['rotated', 'rotated']);
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

/**
 * Changes the files behind a follower's back, starting after line `next - 1`, and returns the index
 * after the last line it wrote: the follower must then have handed out lines 0 up to there, once.
 * `poll` lets a follower that is running look in between.
 */
type FilesChange = (next: number, poll: () => Promise<void>) => number | Promise<number>;

describe('file follower: rotation while running', () => {
  it.each<[string, number, FilesChange, FileChange[]]>([
    [
      'finishes the renamed file, then reads the new one',
      10,
      (next) => {
        next = append(file, next, 5); // written just before the rename
        renameSync(file, `${file}.1`);
        return append(file, next, 7);
      },
      ['rotated'],
    ],
    [
      'also reads archives that were rotated in between two polls',
      3,
      (next) => {
        next = append(file, next, 2);
        renameSync(file, `${file}.1`);
        next = append(file, next, 4);
        renameSync(`${file}.1`, `${file}.2`);
        renameSync(file, `${file}.1`);
        return append(file, next, 5);
      },
      ['rotated', 'rotated'],
    ],
    [
      'reads a missed archive that was already compressed',
      3,
      (next) => {
        renameSync(file, `${file}.20240101-000000-000`);
        next = append(file, next, 4);
        renameSync(file, `${file}.20240101-000001-000`);
        gzipInPlace(`${file}.20240101-000001-000`);
        return append(file, next, 5);
      },
      ['rotated', 'rotated'],
    ],
    [
      'starts over after copytruncate',
      10,
      (next) => {
        copyFileSync(file, `${file}.1`);
        truncateSync(file, 0);
        return append(file, next, 3);
      },
      ['truncated'],
    ],
    [
      'notices a truncation even when the file has grown past the old offset again',
      5,
      (next) => {
        truncateSync(file, 0);
        return append(file, next, 8);
      },
      ['truncated'],
    ],
    [
      'follows deletion and re-creation',
      5,
      async (next, poll) => {
        rmSync(file);
        await poll();
        return append(file, next, 3);
      },
      ['rotated'],
    ],
  ])('%s', async (_, before, change, changes) => {
    const run = follow();
    append(file, 0, before);
    await run.follower.poll();
    const end = await change(before, () => run.follower.poll());
    await run.follower.poll();
    expect(run.seen).toEqual(lines(0, end));
    expect(run.changes).toEqual(changes);
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
  /** Reads `count` lines, stops and returns the first run and the position it saved. */
  async function readAndStop(count: number) {
    const first = follow();
    append(file, 0, count);
    await first.follower.poll();
    return { first, saved: await stop(first) };
  }

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

  it.each<[string, FilesChange, FileChange[]]>([
    [
      'finishes a file rotated in between, then reads the new one',
      (next) => {
        next = append(file, next, 2);
        renameSync(file, `${file}.1`);
        return append(file, next, 4);
      },
      ['rotated'],
    ],
    [
      'finds the file by its fingerprint after it was compressed, and reads later archives too',
      (next) => {
        next = append(file, next, 2);
        renameSync(file, `${file}.20240101-000000-000`);
        gzipInPlace(`${file}.20240101-000000-000`);
        next = append(file, next, 3);
        renameSync(file, `${file}.20240101-000001-000`);
        return append(file, next, 4);
      },
      ['rotated', 'rotated'],
    ],
    [
      'starts over a file truncated in between',
      (next) => {
        writeFileSync(file, '');
        return append(file, next, 2);
      },
      ['rotated'],
    ],
  ])('%s', async (_, change, changes) => {
    const { first, saved } = await readAndStop(5);
    // Nothing follows the files while they change.
    const end = await change(5, () => Promise.resolve());
    const second = follow({ resume: saved });
    await second.follower.poll();
    expect([...first.seen, ...second.seen]).toEqual(lines(0, end));
    expect(second.changes).toEqual(changes);
  });

  it('reads a re-created file from its start when the saved one was deleted', async () => {
    const { first, saved } = await readAndStop(5);
    rmSync(file);
    append(file, 5, 3);
    const warnings: string[] = [];
    const second = follow({ resume: saved, warn: (message) => warnings.push(message) });
    await second.follower.poll();
    expect([...first.seen, ...second.seen]).toEqual(lines(0, 8));
    // The new file may even reuse the old inode: then it reads as truncated.
    expect(warnings).toEqual([expect.stringMatching(/^.*telemetry\.jsonl: .*from the start$/)]);
  });

  it('finishes a file rotated in between even before the new file exists, then picks it up', async () => {
    const { first, saved } = await readAndStop(5);
    let next = append(file, 5, 2);
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
