import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findArchive, isLiveFile, listArchives } from './rotated-archives.js';
import { gzipInPlace, tempDir } from './test-support/telemetry-files.js';

let dir: string;
let cleanup: () => void;
let file: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('archives-'));
  file = join(dir, 'telemetry.jsonl');
});
afterEach(() => cleanup());

const same = '{"ts":1,"action":"recommend","success":true,"latency_ms":1}\n';

describe('listArchives', () => {
  it('drops x.gz while its plain twin x still exists (compression in progress)', async () => {
    writeFileSync(`${file}.1`, same);
    writeFileSync(`${file}.1.gz`, gzipSync(same));
    writeFileSync(`${file}.2.gz`, gzipSync(same));
    expect(await listArchives(file)).toEqual([`${file}.2.gz`, `${file}.1`]);
  });
});

describe('findArchive', () => {
  it('tells apart archives that start alike by their size, plain or compressed', async () => {
    writeFileSync(`${file}.2`, same.repeat(3));
    writeFileSync(`${file}.1.gz`, gzipSync(same.repeat(2)));
    const archives = await listArchives(file);
    const fingerprint = Buffer.from(same);
    expect(
      await findArchive(archives, { dev: 0, ino: 0, fingerprint, size: same.length * 3 }),
    ).toBe(0);
    expect(
      await findArchive(archives, { dev: 0, ino: 0, fingerprint, size: same.length * 2 }),
    ).toBe(1);
    expect(
      await findArchive(archives, { dev: 0, ino: 0, fingerprint, size: same.length * 4 }),
    ).toBe(-1);
  });

  it('finds an archive that was compressed and removed after it was listed', async () => {
    writeFileSync(`${file}.1`, same.repeat(2));
    const { dev, ino } = statSync(`${file}.1`);
    const archives = await listArchives(file);
    gzipInPlace(`${file}.1`);
    const left = { dev, ino, fingerprint: Buffer.from(same), size: same.length * 2 };
    expect(await findArchive(archives, left)).toBe(0);
    expect(await isLiveFile(archives[0] as string, left, Buffer.from(same))).toBe(true);
  });

  it('matches an archive of a file that was still empty by its inode only', async () => {
    writeFileSync(`${file}.1`, '');
    const { dev, ino } = statSync(`${file}.1`);
    const archives = await listArchives(file);
    expect(await findArchive(archives, { dev, ino, fingerprint: Buffer.alloc(0) })).toBe(0);
    expect(await findArchive(archives, { dev, ino: ino + 1, fingerprint: Buffer.alloc(0) })).toBe(
      -1,
    );
  });
});
