import { existsSync } from 'node:fs';
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { gzipFile, removeStaleGzipTemporaries } from './gzip-file.js';

async function fileWith(content: string | Buffer): Promise<string> {
  const dir = await tempDir('eventkit-gzip-');
  const path = join(dir, 'app.log.20240315-083000-123');
  await writeFile(path, content);
  return path;
}

describe('gzipFile', () => {
  it.each([
    ['a few lines', 'one\ntwo\n'],
    ['an empty file', ''],
    ['4 MB of lines', 'x'.repeat(99).concat('\n').repeat(40_000)],
  ])('compresses %s to <name>.gz and removes the original', async (_name, content) => {
    const path = await fileWith(content);
    const archive = await gzipFile(path);
    expect(archive).toBe(`${path}.gz`);
    expect(gunzipSync(await readFile(archive)).toString()).toBe(content);
    expect(existsSync(path)).toBe(false);
  });

  it('leaves no temporary file behind and keeps the modification time', async () => {
    const path = await fileWith('line\n');
    const then = new Date('2024-01-01T00:00:00Z');
    await utimes(path, then, then);
    const archive = await gzipFile(path);
    expect((await stat(archive)).mtime.getTime()).toBe(then.getTime());
    expect(await readdir(join(path, '..'))).toEqual(['app.log.20240315-083000-123.gz']);
  });

  it('can keep the original', async () => {
    const path = await fileWith('line\n');
    await gzipFile(path, { removeOriginal: false });
    expect(await readFile(path, 'utf8')).toBe('line\n');
  });

  it('fails for a missing file without creating an archive', async () => {
    const path = join(await tempDir('eventkit-gzip-'), 'missing.log');
    await expect(gzipFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(join(path, '..'))).toEqual([]);
  });
});

describe('removeStaleGzipTemporaries', () => {
  it('deletes temporaries of processes that are gone, keeps those of live ones and other files', async () => {
    const path = await fileWith('line\n');
    const dir = join(path, '..');
    const file = join(dir, 'app.log');
    // PID 2^22 + 1 is above Linux's pid_max ceiling, so no process can have it.
    const stale = `${path}.gz.4194305-0123abcd.tmp`;
    const live = `${path}.gz.${process.pid}-0123abcd.tmp`;
    const other = join(dir, 'other.log.20240315-083000-123.gz.4194305-0123abcd.tmp');
    for (const name of [stale, live, other]) await writeFile(name, '');
    expect(await removeStaleGzipTemporaries(file)).toEqual([stale]);
    expect((await readdir(dir)).sort()).toEqual(
      [path, live, other].map((name) => name.slice(dir.length + 1)).sort(),
    );
  });
});
