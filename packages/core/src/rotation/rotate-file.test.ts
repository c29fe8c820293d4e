import { existsSync, readFileSync } from 'node:fs';
import { chmod, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { createTelemetryWriter } from '../telemetry/telemetry-writer.js';
import { tempDir } from '../test-support/temp-dir.js';
import { rotateFile } from './rotate-file.js';
import { listRotatedFiles } from './rotated-files.js';

const NOW = new Date('2024-03-15T08:30:00.123Z');

async function logWith(content: string): Promise<string> {
  const dir = await tempDir('eventkit-rotate-');
  const file = join(dir, 'app.log');
  await writeFile(file, content);
  return file;
}

function read(path: string): string {
  const raw = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString();
}

describe('rotateFile', () => {
  it.each([
    ['smaller than', 5],
    ['exactly', 10],
  ])('leaves a file %s maxSizeBytes alone', async (_name, size) => {
    const file = await logWith('x'.repeat(size));
    const result = await rotateFile(file, { maxSizeBytes: 10, now: () => NOW });
    expect(result).toEqual({ compressed: [], deleted: [] });
    expect(await readFile(file, 'utf8')).toBe('x'.repeat(size));
  });

  it('renames a file over maxSizeBytes to a stamped archive, gzips it and leaves an empty live file', async () => {
    const file = await logWith('line 1\nline 2\n');
    await chmod(file, 0o640);
    const result = await rotateFile(file, { maxSizeBytes: 10, now: () => NOW, settleMs: 0 });
    expect(result).toEqual({
      rotatedTo: `${file}.20240315-083000-123`,
      compressed: [`${file}.20240315-083000-123.gz`],
      deleted: [],
    });
    expect(read(`${file}.20240315-083000-123.gz`)).toBe('line 1\nline 2\n');
    expect(await readFile(file, 'utf8')).toBe('');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(existsSync(`${file}.20240315-083000-123`)).toBe(false);
  });

  it('keeps the archive uncompressed when compress is false', async () => {
    const file = await logWith('0123456789abc\n');
    const result = await rotateFile(file, {
      maxSizeBytes: 10,
      compress: false,
      now: () => NOW,
    });
    expect(result.compressed).toEqual([]);
    expect(await readFile(result.rotatedTo as string, 'utf8')).toBe('0123456789abc\n');
  });

  it('deletes archives older than keepDays and compresses leftovers, as rotate_logs.sh does', async () => {
    const file = await logWith('');
    const old = `${file}.20240101-000000-000.gz`;
    const leftover = `${file}.20240314-000000-000`;
    await writeFile(old, '');
    await writeFile(leftover, 'late\n');
    const fortyDaysAgo = new Date(NOW.getTime() - 40 * 86_400_000);
    await utimes(old, fortyDaysAgo, fortyDaysAgo);
    const result = await rotateFile(file, { maxSizeBytes: 1000, keepDays: 30, now: () => NOW });
    expect(result).toEqual({ compressed: [`${leftover}.gz`], deleted: [old] });
    expect((await readdir(join(file, '..'))).sort()).toEqual([
      'app.log',
      'app.log.20240314-000000-000.gz',
    ]);
  });

  it('does nothing for a file that does not exist', async () => {
    const dir = await tempDir('eventkit-rotate-');
    expect(await rotateFile(join(dir, 'missing.log'), { maxSizeBytes: 1 })).toEqual({
      compressed: [],
      deleted: [],
    });
  });

  it('never overwrites an archive rotated in the same millisecond', async () => {
    const file = await logWith('first rotation\n');
    const first = await rotateFile(file, { maxSizeBytes: 1, now: () => NOW, settleMs: 0 });
    await writeFile(file, 'second rotation\n');
    const second = await rotateFile(file, { maxSizeBytes: 1, now: () => NOW, settleMs: 0 });
    expect(first.rotatedTo).not.toBe(second.rotatedTo);
    const archives = await listRotatedFiles(file);
    expect(archives.map(read)).toEqual(['first rotation\n', 'second rotation\n']);
  });

  it('loses no line while a telemetry writer keeps appending', async () => {
    const dir = await tempDir('eventkit-rotate-');
    const file = join(dir, 'telemetry.jsonl');
    const writer = createTelemetryWriter({ file, flushIntervalMs: 1, maxSizeBytes: 0 });
    let next = 0;
    let running = true;
    const producer = (async () => {
      while (running) {
        for (let k = 0; k < 20; k++) {
          writer.write({ ts: next, action: 'recommend', success: true, latency_ms: 1 });
          next++;
        }
        await new Promise((done) => setImmediate(done));
      }
    })();
    const rotations: string[] = [];
    for (let round = 0; round < 4; round++) {
      const before = next;
      await vi.waitFor(() => expect(next).toBeGreaterThan(before + 100));
      const result = await rotateFile(file, { maxSizeBytes: 1, settleMs: 20 });
      if (result.rotatedTo) rotations.push(result.rotatedTo);
    }
    running = false;
    await producer;
    await writer.close();

    expect(rotations).toHaveLength(4);
    const files = [...(await listRotatedFiles(file)), file];
    expect(files.map((path) => basename(path)).filter((name) => name.endsWith('.gz'))).toHaveLength(
      4,
    );
    const seen = files
      .map(read)
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).ts);
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
  });
});
