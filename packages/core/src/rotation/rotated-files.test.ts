import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import {
  archiveSpellings,
  listRotatedFiles,
  nextRotatedFileName,
  rotatedFileName,
} from './rotated-files.js';

/** A temporary directory holding empty files of these names, removed when the test ends. */
async function dirWith(names: string[]): Promise<string> {
  const dir = await tempDir('eventkit-rotated-');
  await Promise.all(names.map((name) => writeFile(join(dir, name), '')));
  return dir;
}

describe('rotatedFileName', () => {
  it('stamps the UTC time so that name order is age order', () => {
    expect(
      rotatedFileName('/x/telemetry.jsonl', new Date(Date.UTC(2024, 2, 15, 8, 30, 0, 123))),
    ).toBe('/x/telemetry.jsonl.20240315-083000-123');
    expect(rotatedFileName('t.jsonl', new Date(0), 2)).toBe('t.jsonl.19700101-000000-000-2');
  });
});

describe('listRotatedFiles', () => {
  it.each([
    [
      'orders stamped archives oldest first, compressed or not, and leaves out the live file',
      'telemetry.jsonl',
      [
        'telemetry.jsonl',
        'telemetry.jsonl.20240315-083000-123.gz',
        'telemetry.jsonl.20240314-000000-000.gz',
        'telemetry.jsonl.20240315-083000-123-1',
        'other.jsonl.20240101-000000-000',
        'telemetry.jsonl.bak',
      ],
      [
        'telemetry.jsonl.20240314-000000-000.gz',
        'telemetry.jsonl.20240315-083000-123.gz',
        'telemetry.jsonl.20240315-083000-123-1',
      ],
    ],
    [
      'orders logrotate numbered archives with the highest number first',
      'app.log',
      ['app.log', 'app.log.1', 'app.log.2.gz', 'app.log.10.gz'],
      ['app.log.10.gz', 'app.log.2.gz', 'app.log.1'],
    ],
    [
      'lists a half-compressed archive once, as the uncompressed file that holds everything',
      'telemetry.jsonl',
      [
        'telemetry.jsonl.20240314-000000-000.gz',
        'telemetry.jsonl.20240315-000000-000',
        'telemetry.jsonl.20240315-000000-000.gz',
        'telemetry.jsonl.20240315-000000-000.gz.123-abcdef01.tmp',
      ],
      ['telemetry.jsonl.20240314-000000-000.gz', 'telemetry.jsonl.20240315-000000-000'],
    ],
  ])('%s', async (_, live, names, expected) => {
    const dir = await dirWith(names);
    const files = await listRotatedFiles(join(dir, live));
    expect(files.map((file) => basename(file))).toEqual(expected);
  });

  it('returns nothing for a directory that does not exist', async () => {
    expect(await listRotatedFiles('/nonexistent/dir/telemetry.jsonl')).toEqual([]);
  });
});

describe('archiveSpellings', () => {
  it.each([
    ['t.jsonl.1', ['t.jsonl.1', 't.jsonl.1.gz']],
    ['t.jsonl.1.gz', ['t.jsonl.1.gz']],
  ])('names %s as it may be found later, compressed meanwhile', (path, expected) => {
    expect(archiveSpellings(path)).toEqual(expected);
  });
});

describe('nextRotatedFileName', () => {
  const at = new Date(Date.UTC(2024, 2, 15, 8, 30, 0, 123));

  it('is rotatedFileName when no archive has that stamp or a later one', async () => {
    const dir = await dirWith(['t.jsonl.20240314-000000-000.gz']);
    expect(await nextRotatedFileName(join(dir, 't.jsonl'), at)).toBe(
      join(dir, 't.jsonl.20240315-083000-123'),
    );
  });

  it.each([
    [['t.jsonl.20240315-083000-123.gz'], 't.jsonl.20240315-083000-123-1'],
    [
      ['t.jsonl.20240315-083000-123', 't.jsonl.20240315-083000-123-4.gz'],
      't.jsonl.20240315-083000-123-5',
    ],
    [['t.jsonl.20240316-000000-000-2.gz'], 't.jsonl.20240316-000000-000-3'],
  ])('sorts after the newest existing archive %j', async (names, expected) => {
    const dir = await dirWith(names);
    expect(await nextRotatedFileName(join(dir, 't.jsonl'), at)).toBe(join(dir, expected));
  });
});
