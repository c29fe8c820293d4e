import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { createTestApp, json } from '../test-support/test-deps.js';

const exportDir = () => tempDir('eventkit-export-test-');
const CONTENT_NAME = /^itinerary-[0-9a-f]{16}\.(md|ics)$/;

describe('GET /export', () => {
  it('returns the itinerary as Markdown by default', async () => {
    const { app } = await createTestApp();
    const res = await app.request('/export?interests=agents&top=2');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const text = await res.text();
    expect(text).toMatch(/^# Itinerary/);
    expect(text).toContain('Generative Agents in Production');
  });

  it('returns a valid text/calendar with format=ics', async () => {
    const { app } = await createTestApp();
    const res = await app.request('/export?interests=agents&top=2&format=ics');
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const text = await res.text();
    expect(text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(text.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
    expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(2);
  });

  it.each([
    ['interests=agents&format=pdf', 'format must be markdown or ics'],
    ['format=ics', 'interests must not be empty'],
  ])('answers 400 for ?%s', async (query, message) => {
    const { app } = await createTestApp();
    const res = await app.request(`/export?${query}`);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain(message);
  });

  it('writes nothing to disk while export-to-disk is off', async () => {
    const outputDir = exportDir();
    const { app } = await createTestApp({ exportTarget: { enabled: false, outputDir } });
    const res = await app.request('/export?interests=agents');
    expect(res.headers.get('x-export-file')).toBeNull();
    expect(readdirSync(outputDir)).toEqual([]);
  });

  it('saves a copy inside output_dir under a name hashed from its content when enabled', async () => {
    const outputDir = exportDir();
    const { app, events } = await createTestApp({ exportTarget: { enabled: true, outputDir } });
    const res = await app.request('/export?interests=..%2F..%2Fetc%2Fpasswd,agents&format=ics');
    const name = res.headers.get('x-export-file') ?? '';
    expect(name).toMatch(CONTENT_NAME);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`);
    expect(readdirSync(outputDir)).toEqual([name]);
    expect(readFileSync(path.join(outputDir, name), 'utf8')).toBe(await res.text());
    expect(events[0]?.payload).toMatchObject({ format: 'ics', saved: true });
  });

  it('follows a symlinked output_dir to its real place, and only there', async () => {
    const real = exportDir();
    const link = path.join(exportDir(), 'exports');
    symlinkSync(real, link);
    const { app } = await createTestApp({ exportTarget: { enabled: true, outputDir: link } });
    const res = await app.request('/export?interests=agents');
    expect(readdirSync(real)).toEqual([res.headers.get('x-export-file')]);
  });
});

describe('GET /export: exports cannot fill the disk', () => {
  const retention = { maxFiles: 3, maxAgeDays: 7 };

  it('keeps a burst of distinct exports within maxFiles', async () => {
    const outputDir = exportDir();
    const { app } = await createTestApp({
      exportTarget: { enabled: true, outputDir, retention },
    });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => app.request(`/export?interests=agents,topic${i}`)),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(new Set(answers.map((r) => r.headers.get('x-export-file'))).size).toBe(30);
    expect(readdirSync(outputDir)).toHaveLength(3);
  });

  it('answers identical exports from one file', async () => {
    const outputDir = exportDir();
    const { app, events } = await createTestApp({
      exportTarget: { enabled: true, outputDir, retention },
    });
    const names = [];
    for (let i = 0; i < 5; i++) {
      const res = await app.request('/export?interests=agents&format=ics');
      names.push(res.headers.get('x-export-file'));
    }
    expect(new Set(names).size).toBe(1);
    expect(readdirSync(outputDir)).toEqual([names[0]]);
    expect(events.map((e) => (e.payload as { saved: boolean }).saved)).toEqual(Array(5).fill(true));
  });

  it('touches nothing outside output_dir, nor any file it did not name', async () => {
    const root = exportDir();
    const outputDir = path.join(root, 'exports');
    mkdirSync(outputDir);
    const sentinels = [path.join(outputDir, 'keep-me.md'), path.join(root, 'beside.md')];
    for (const file of sentinels) writeFileSync(file, 'sentinel');
    const { app } = await createTestApp({
      exportTarget: { enabled: true, outputDir, retention: { maxFiles: 1, maxAgeDays: 1 } },
    });
    for (let i = 0; i < 10; i++) await app.request(`/export?interests=topic${i}`);
    for (const file of sentinels) expect(readFileSync(file, 'utf8')).toBe('sentinel');
    expect(readdirSync(root).sort()).toEqual(['beside.md', 'exports']);
    expect(readdirSync(outputDir).filter((name) => CONTENT_NAME.test(name))).toHaveLength(1);
  });

  it('still answers when the disk is low, writes no copy, and says so (WARNING, saved: false)', async () => {
    const outputDir = exportDir();
    const { app, events, logLines } = await createTestApp({
      exportTarget: {
        enabled: true,
        outputDir,
        retention,
        statfs: async () => ({ bavail: 1, blocks: 1000, bsize: 4096 }),
      },
    });
    const res = await app.request('/export?interests=agents');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Generative Agents in Production');
    expect(res.headers.get('x-export-file')).toBeNull();
    expect(readdirSync(outputDir)).toEqual([]);
    expect(events[0]).toMatchObject({ success: true, payload: { saved: false } });
    expect(logLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          / - WARNING - \[[0-9a-f]{32}\] Export copy not written: .*low on space/,
        ),
      ]),
    );
  });
});
