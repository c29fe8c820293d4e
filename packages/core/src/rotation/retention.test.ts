import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { applyRetention } from './retention.js';

/** A fresh temp directory, removed when the test finishes. */
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const NOW = new Date('2024-03-15T12:00:00Z');
const DAY = 86_400_000;

/** Creates files with modification times `ageDays` before NOW. */
async function dirWith(files: Record<string, number>): Promise<string> {
  const dir = await tempDir('eventkit-retention-');
  for (const [name, ageDays] of Object.entries(files)) {
    await writeFile(join(dir, name), 'x\n');
    const at = new Date(NOW.getTime() - ageDays * DAY);
    await utimes(join(dir, name), at, at);
  }
  return dir;
}

describe('applyRetention', () => {
  it('deletes the oldest archives beyond maxFiles and never the live file', async () => {
    const dir = await dirWith({
      'telemetry.jsonl': 40,
      'telemetry.jsonl.20240301-000000-000.gz': 1,
      'telemetry.jsonl.20240302-000000-000.gz': 1,
      'telemetry.jsonl.20240303-000000-000.gz': 1,
      'telemetry.jsonl.20240304-000000-000': 1,
    });
    const deleted = await applyRetention(join(dir, 'telemetry.jsonl'), {
      maxFiles: 2,
      maxAgeDays: 0,
      now: () => NOW,
    });
    expect(deleted.map((path) => basename(path))).toEqual([
      'telemetry.jsonl.20240301-000000-000.gz',
      'telemetry.jsonl.20240302-000000-000.gz',
    ]);
    expect((await readdir(dir)).sort()).toEqual([
      'telemetry.jsonl',
      'telemetry.jsonl.20240303-000000-000.gz',
      'telemetry.jsonl.20240304-000000-000',
    ]);
  });

  it('deletes archives last modified more than maxAgeDays before now', async () => {
    const dir = await dirWith({
      'app.log': 100,
      'app.log.3.gz': 31,
      'app.log.2.gz': 29,
      'app.log.1': 1,
      'other.log.9.gz': 100,
    });
    const deleted = await applyRetention(join(dir, 'app.log'), {
      maxFiles: 0,
      maxAgeDays: 30,
      now: () => NOW,
    });
    expect(deleted.map((path) => basename(path))).toEqual(['app.log.3.gz']);
  });

  it('counts an archive and its .gz twin (mid-compression) as one', async () => {
    const dir = await dirWith({
      'telemetry.jsonl.20240301-000000-000': 1,
      'telemetry.jsonl.20240301-000000-000.gz': 1,
      'telemetry.jsonl.20240302-000000-000.gz': 1,
    });
    const deleted = await applyRetention(join(dir, 'telemetry.jsonl'), {
      maxFiles: 1,
      maxAgeDays: 0,
    });
    expect(deleted).toHaveLength(2);
    expect(await readdir(dir)).toEqual(['telemetry.jsonl.20240302-000000-000.gz']);
  });

  it('keeps everything when both limits are off', async () => {
    const dir = await dirWith({ 'a.log.1': 1000, 'a.log.2': 1000 });
    expect(
      await applyRetention(join(dir, 'a.log'), { maxFiles: 0, maxAgeDays: 0, now: () => NOW }),
    ).toEqual([]);
  });
});
