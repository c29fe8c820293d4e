import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EXPORT_FILE_PATTERN,
  exportFileName,
  resolveInside,
  saveExport,
  writeExportFile,
} from './export-file.js';

describe('exportFileName', () => {
  it('is a hash of the content: itinerary-<16 hex>.md or .ics', () => {
    expect(exportFileName({ format: 'markdown', key: 'agents' })).toMatch(
      /^itinerary-[0-9a-f]{16}\.md$/,
    );
    expect(exportFileName({ format: 'ics' })).toMatch(/^itinerary-[0-9a-f]{16}\.ics$/);
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
    const name = exportFileName({ format: 'markdown', key });
    expect(name).toMatch(EXPORT_FILE_PATTERN);
    expect(path.basename(name)).toBe(name);
  });

  it('gives the same content the same name, and different content or format another', () => {
    const a = exportFileName({ format: 'markdown', key: 'agents' });
    expect(exportFileName({ format: 'markdown', key: 'agents' })).toBe(a);
    expect(exportFileName({ format: 'markdown', key: 'edge' })).not.toBe(a);
    expect(exportFileName({ format: 'ics', key: 'agents' }).replace('.ics', '.md')).not.toBe(a);
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

describe('saveExport: exports cannot fill the disk', () => {
  let dir: string;
  let out: string;
  let clock: number;
  const now = () => new Date(clock);
  const DAY = 86_400_000;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eventkit-export-'));
    out = path.join(dir, 'exports');
    clock = Date.parse('2026-05-01T08:00:00Z');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** One distinct itinerary per call, a millisecond apart, as a burst of clients sends them. */
  const save = (i: number, options: Parameters<typeof saveExport>[3] = {}) => {
    clock += 1;
    return saveExport(
      out,
      exportFileName({ format: 'markdown', key: `itinerary ${i}` }),
      `# ${i}\n`,
      {
        now,
        ...options,
      },
    );
  };

  it('keeps a burst of distinct exports within maxFiles, the newest ones', async () => {
    const retention = { maxFiles: 5, maxAgeDays: 0 };
    for (let i = 0; i < 40; i++) await save(i, { retention });
    const kept = await readdir(out);
    expect(kept).toHaveLength(5);
    const newest = Array.from({ length: 5 }, (_, k) =>
      exportFileName({ format: 'markdown', key: `itinerary ${35 + k}` }),
    );
    expect(kept.sort()).toEqual(newest.sort());
  });

  it('stays within maxFiles when the burst arrives all at once', async () => {
    const retention = { maxFiles: 5, maxAgeDays: 0 };
    await Promise.all(Array.from({ length: 40 }, (_, i) => save(i, { retention })));
    expect(await readdir(out)).toHaveLength(5);
  });

  it('converges on exactly maxFiles when concurrent copies share one instant, with no temporaries left', async () => {
    const retention = { maxFiles: 3, maxAgeDays: 0 };
    const instant = () => new Date(clock);
    for (let round = 0; round < 30; round++) {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          saveExport(
            out,
            exportFileName({ format: 'markdown', key: `${round}/${i}` }),
            `# ${i}\n`,
            {
              retention,
              now: instant,
            },
          ),
        ),
      );
      const left = await readdir(out);
      expect(left).toHaveLength(3);
      expect(left.every((name) => EXPORT_FILE_PATTERN.test(name))).toBe(true);
    }
  });

  it('removes copies older than maxAgeDays', async () => {
    const retention = { maxFiles: 0, maxAgeDays: 7 };
    await save(1, { retention });
    clock += 8 * DAY;
    const second = await save(2, { retention });
    expect(second).toMatchObject({
      saved: true,
      removed: [exportFileName({ format: 'markdown', key: 'itinerary 1' })],
    });
    expect(await readdir(out)).toHaveLength(1);
  });

  it('reuses one file for identical exports, and keeps it as the newest', async () => {
    const retention = { maxFiles: 2, maxAgeDays: 0 };
    const first = await save(1, { retention });
    await save(2, { retention });
    const again = await save(1, { retention });
    expect(again).toMatchObject({ saved: true, reused: true });
    expect(first.saved && again.saved && again.file === first.file).toBe(true);
    await save(3, { retention });
    // 1 was asked for again after 2, so 2 is the oldest and goes.
    expect((await readdir(out)).sort()).toEqual(
      [1, 3].map((i) => exportFileName({ format: 'markdown', key: `itinerary ${i}` })).sort(),
    );
  });

  it('touches nothing but its own files inside output_dir', async () => {
    await mkdir(out);
    const sentinels = {
      inside: path.join(out, 'notes.md'),
      lookalike: path.join(out, 'itinerary-notes.md'),
      nested: path.join(out, 'sub', `${'itinerary-0123456789abcdef'}.md`),
      beside: path.join(dir, exportFileName({ format: 'markdown', key: 'beside' })),
    };
    await mkdir(path.join(out, 'sub'));
    for (const file of Object.values(sentinels)) await writeFile(file, 'keep');
    // A link named like an export, to a file outside: neither the link nor its target goes.
    const target = path.join(dir, 'target.md');
    await writeFile(target, 'keep');
    const link = path.join(out, exportFileName({ format: 'markdown', key: 'link' }));
    await symlink(target, link);
    const old = new Date(clock - 365 * DAY);
    for (const file of Object.values(sentinels)) await utimes(file, old, old);

    for (let i = 0; i < 20; i++) await save(i, { retention: { maxFiles: 1, maxAgeDays: 1 } });

    for (const file of [...Object.values(sentinels), target]) {
      expect(await readFile(file, 'utf8')).toBe('keep');
    }
    expect((await readdir(out)).filter((name) => EXPORT_FILE_PATTERN.test(name))).toHaveLength(2);
    expect(await readdir(dir)).toEqual(expect.arrayContaining([path.basename(sentinels.beside)]));
  });

  it('removes the timestamped copies of earlier versions too', async () => {
    await mkdir(out);
    const legacy = path.join(out, 'itinerary-20260101-083000-123-1a2b3c4d-9f8e7d.md');
    await writeFile(legacy, 'old');
    const old = new Date(clock - 30 * DAY);
    await utimes(legacy, old, old);
    await save(1, { retention: { maxFiles: 100, maxAgeDays: 7 } });
    await expect(stat(legacy)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['under 1% free', { bavail: 5, blocks: 1000, bsize: 1 << 20 }],
    ['under 10 MB free', { bavail: 9, blocks: 10, bsize: 1 << 20 }],
  ])('writes no copy when the disk is low (%s), and says why', async (_name, fs) => {
    const result = await save(1, {
      statfs: async () => fs,
      retention: { maxFiles: 1, maxAgeDays: 0 },
    });
    expect(result).toEqual({ saved: false, reason: expect.stringContaining('low on space') });
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes when the disk has room', async () => {
    const statfs = async () => ({ bavail: 500, blocks: 1000, bsize: 1 << 20 });
    expect(await save(1, { statfs })).toMatchObject({ saved: true, reused: false, removed: [] });
  });
});
