import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRotatedFiles } from '../rotation/rotated-files.js';
import { findArchive, isLiveFile } from './file-identity.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventkit-identity-'));
  file = join(dir, 'telemetry.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const same = '{"ts":1,"action":"recommend","success":true,"latency_ms":1}\n';

function gzipInPlace(path: string): void {
  writeFileSync(`${path}.gz`, gzipSync(readFileSync(path)));
  rmSync(path);
}

describe('findArchive', () => {
  it('tells apart archives that start alike by their size, plain or compressed', async () => {
    writeFileSync(`${file}.2`, same.repeat(3));
    writeFileSync(`${file}.1.gz`, gzipSync(same.repeat(2)));
    const archives = await listRotatedFiles(file);
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
    const archives = await listRotatedFiles(file);
    gzipInPlace(`${file}.1`);
    const left = { dev, ino, fingerprint: Buffer.from(same), size: same.length * 2 };
    expect(await findArchive(archives, left)).toBe(0);
    expect(await isLiveFile(archives[0] as string, left, Buffer.from(same))).toBe(true);
  });

  it('matches an archive of a file that was still empty by its inode only', async () => {
    writeFileSync(`${file}.1`, '');
    const { dev, ino } = statSync(`${file}.1`);
    const archives = await listRotatedFiles(file);
    expect(await findArchive(archives, { dev, ino, fingerprint: Buffer.alloc(0) })).toBe(0);
    expect(await findArchive(archives, { dev, ino: ino + 1, fingerprint: Buffer.alloc(0) })).toBe(
      -1,
    );
  });
});
