import { readdir, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { applyRetention, type RetentionOptions } from './retention.js';

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
  it.each<[string, string, Record<string, number>, Omit<RetentionOptions, 'now'>, string[]]>([
    [
      'deletes the oldest archives beyond maxFiles and never the live file',
      'telemetry.jsonl',
      {
        'telemetry.jsonl': 40,
        'telemetry.jsonl.20240301-000000-000.gz': 1,
        'telemetry.jsonl.20240302-000000-000.gz': 1,
        'telemetry.jsonl.20240303-000000-000.gz': 1,
        'telemetry.jsonl.20240304-000000-000': 1,
      },
      { maxFiles: 2, maxAgeDays: 0 },
      ['telemetry.jsonl.20240301-000000-000.gz', 'telemetry.jsonl.20240302-000000-000.gz'],
    ],
    [
      'deletes archives last modified more than maxAgeDays before now',
      'app.log',
      {
        'app.log': 100,
        'app.log.3.gz': 31,
        'app.log.2.gz': 29,
        'app.log.1': 1,
        'other.log.9.gz': 100,
      },
      { maxFiles: 0, maxAgeDays: 30 },
      ['app.log.3.gz'],
    ],
    [
      'counts an archive and its .gz twin (mid-compression) as one',
      'telemetry.jsonl',
      {
        'telemetry.jsonl.20240301-000000-000': 1,
        'telemetry.jsonl.20240301-000000-000.gz': 1,
        'telemetry.jsonl.20240302-000000-000.gz': 1,
      },
      { maxFiles: 1, maxAgeDays: 0 },
      ['telemetry.jsonl.20240301-000000-000', 'telemetry.jsonl.20240301-000000-000.gz'],
    ],
    [
      'keeps everything when both limits are off',
      'a.log',
      { 'a.log.1': 1000, 'a.log.2': 1000 },
      { maxFiles: 0, maxAgeDays: 0 },
      [],
    ],
  ])('%s', async (_, live, files, limits, deleted) => {
    const dir = await dirWith(files);
    const gone = await applyRetention(join(dir, live), { ...limits, now: () => NOW });
    expect(gone.map((path) => basename(path)).sort()).toEqual(deleted);
    const kept = Object.keys(files).filter((name) => !deleted.includes(name));
    expect((await readdir(dir)).sort()).toEqual(kept.sort());
  });
});
