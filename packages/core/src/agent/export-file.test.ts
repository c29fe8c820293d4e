import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportFileName, resolveInside, writeExportFile } from './export-file.js';

describe('exportFileName', () => {
  const now = new Date('2026-05-01T08:30:00.123Z');

  it('is built from the timestamp, a hash and a nonce', () => {
    expect(exportFileName({ format: 'markdown', key: 'agents', now, nonce: 'abc123' })).toMatch(
      /^itinerary-20260501-083000-123-[0-9a-f]{8}-abc123\.md$/,
    );
    expect(exportFileName({ format: 'ics', now, nonce: 'x' })).toMatch(/\.ics$/);
  });

  it.each([
    '../../etc/passwd',
    '/etc/passwd',
    'a/b\\c',
    'name\0.md',
    '..',
    'C:\\Windows\\win.ini',
    '<script>',
  ])('never carries user input into the name (%j)', (key) => {
    const name = exportFileName({ format: 'markdown', key, now });
    expect(name).toMatch(/^itinerary-[0-9-]+-[0-9a-f]{8}-[0-9a-f]{6}\.md$/);
    expect(path.basename(name)).toBe(name);
  });

  it('gives different names to different keys and to repeated calls', () => {
    const a = exportFileName({ format: 'markdown', key: 'agents', now, nonce: 'n' });
    const b = exportFileName({ format: 'markdown', key: 'edge', now, nonce: 'n' });
    expect(a).not.toBe(b);
    const names = new Set(
      Array.from({ length: 100 }, () => exportFileName({ format: 'ics', key: 'k', now })),
    );
    expect(names.size).toBe(100);
  });

  it('refuses an unsafe nonce', () => {
    expect(() => exportFileName({ format: 'ics', nonce: '../x' })).toThrow(/nonce/);
  });
});

describe('resolveInside', () => {
  const dir = path.resolve('/srv/exports');

  it.each([
    ['a.md', path.join(dir, 'a.md')],
    ['sub/a.md', path.join(dir, 'sub', 'a.md')],
    ['sub/../a.md', path.join(dir, 'a.md')],
    ['..a.md', path.join(dir, '..a.md')],
  ])('allows %j', (name, expected) => {
    expect(resolveInside(dir, name)).toBe(expected);
  });

  it.each([
    '../a.md',
    '../../etc/passwd',
    'sub/../../a.md',
    '/etc/passwd',
    '..',
    '.',
    '',
    'a\0.md',
    '../exports-evil/a.md',
    `..${path.sep}exports/../../a.md`,
    'C:\\Windows\\win.ini',
  ])('refuses %j', (name) => {
    expect(() => resolveInside(dir, name)).toThrow(/refusing export file name/);
  });
});

describe('writeExportFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eventkit-export-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the output directory and writes the file inside it', async () => {
    const out = path.join(dir, 'exports');
    const file = await writeExportFile(out, 'a.md', '# hi\n');
    expect(file).toBe(path.join(out, 'a.md'));
    expect(await readFile(file, 'utf8')).toBe('# hi\n');
  });

  it('never overwrites an existing file or follows a planted symlink', async () => {
    const out = path.join(dir, 'exports');
    await mkdir(out);
    await writeFile(path.join(dir, 'secret'), 'keep');
    await symlink(path.join(dir, 'secret'), path.join(out, 'a.md'));
    await expect(writeExportFile(out, 'a.md', 'evil')).rejects.toMatchObject({
      code: 'WRITE_FAILED',
    });
    expect(await readFile(path.join(dir, 'secret'), 'utf8')).toBe('keep');
  });

  it('refuses names that leave the directory without writing anything', async () => {
    const out = path.join(dir, 'exports');
    await expect(writeExportFile(out, '../escape.md', 'x')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await readdir(dir)).toEqual(['exports']);
  });
});
