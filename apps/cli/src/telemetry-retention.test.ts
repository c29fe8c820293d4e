import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listRotatedFiles } from '@eventkit/core/telemetry';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeEvents, PYTHON_MANIFEST, runCli, tempDir, toJsonl } from './test-support/run-cli.js';

let dir: string;

beforeEach(async () => {
  dir = await tempDir();
});

describe("eventkit recommend applies agent.json's telemetry retention", () => {
  // Five old archives and a non-empty live file; maxSizeBytes 1 makes the command's one line
  // rotate the live file, and the writer then applies retention to six archives.
  it.each([
    ['maxFiles 2 keeps the two newest archives', { maxFiles: 2, maxAgeDays: 0 }, 2],
    ['the default (20) keeps all six', {}, 6],
  ])('%s', async (_name, retention, kept) => {
    const manifest = JSON.parse(await readFile(PYTHON_MANIFEST, 'utf8'));
    manifest.telemetry = { file: 'telemetry.jsonl', maxSizeBytes: 1, ...retention };
    await writeFile(path.join(dir, 'agent.json'), JSON.stringify(manifest));
    const file = path.join(dir, 'telemetry.jsonl');
    const old = toJsonl(makeEvents(1, 1_577_836_800));
    for (let day = 1; day <= 5; day++) await writeFile(`${file}.2020010${day}-000000-000`, old);
    await writeFile(file, old);

    const run = await runCli(['recommend', '--manifest', 'agent.json', '-i', 'agents'], {
      cwd: dir,
    });
    expect(run.code).toBe(0);
    const archives = await listRotatedFiles(file);
    expect(archives).toHaveLength(kept);
    // The newest survive: the archive this run rotated (today's stamp) is always kept.
    expect(path.basename(archives.at(-1) ?? '')).not.toMatch(/^telemetry\.jsonl\.2020/);
    expect(JSON.parse(await readFile(file, 'utf8')).action).toBe('recommend');
  });
});
