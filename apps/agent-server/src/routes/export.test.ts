import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestApp, json } from '../test-support/test-deps.js';

function exportDir() {
  return mkdtempSync(path.join(tmpdir(), 'eventkit-export-test-'));
}

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

  it('saves a copy inside output_dir under a generated name when enabled', async () => {
    const outputDir = exportDir();
    const { app, events } = await createTestApp({ exportTarget: { enabled: true, outputDir } });
    const res = await app.request('/export?interests=..%2F..%2Fetc%2Fpasswd,agents&format=ics');
    const name = res.headers.get('x-export-file') ?? '';
    expect(name).toMatch(/^itinerary-\d{8}-\d{6}-\d{3}-[0-9a-f]{8}-[0-9a-z]+\.ics$/);
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
