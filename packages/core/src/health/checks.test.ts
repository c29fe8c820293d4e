import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { diskFreeRatio, telemetryWritableCheck } from './checks.js';

const GB = 1024 ** 3;
const roomy = async () => ({ blocks: 1000, bavail: 500, bsize: 4096 * 1024 });

/** A fresh temp directory, removed (write permission restored first) when the test finishes. */
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eventkit-health-'));
  onTestFinished(async () => {
    await chmod(dir, 0o700);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

describe('diskFreeRatio', () => {
  it('is a fraction between 0 and 1 for the file system holding a path, even a missing file', async () => {
    const ratio = await diskFreeRatio(join(await tempDir(), 'not-yet', 'telemetry.jsonl'));
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(1);
  });
});

describe('telemetryWritableCheck', () => {
  it.each([
    ['an existing file', true],
    ['a file not created yet', false],
  ])('passes for %s in a writable directory with free space', async (_name, create) => {
    const file = join(await tempDir(), 'telemetry.jsonl');
    if (create) await writeFile(file, '');
    const check = telemetryWritableCheck(file, { statfs: roomy });
    expect(check.name).toBe('telemetry');
    expect(await check.run()).toBeUndefined();
  });

  it('passes on the real disk of the temp directory (statfs)', async () => {
    const file = join(await tempDir(), 'telemetry.jsonl');
    // Only meaningful when this machine's temp disk itself has room.
    const free = await diskFreeRatio(file);
    const expected = free >= 0.01 ? undefined : 'Telemetry disk full';
    expect(await telemetryWritableCheck(file).run()).toBe(expected);
  });

  it('reports "Telemetry file not writable" when the directory is a file', async () => {
    const blocker = join(await tempDir(), 'blocker');
    await writeFile(blocker, '');
    const check = telemetryWritableCheck(join(blocker, 'telemetry.jsonl'), { statfs: roomy });
    expect(await check.run()).toBe('Telemetry file not writable');
  });

  it.skipIf(process.getuid?.() === 0)(
    'reports "Telemetry file not writable" for a read-only directory',
    async () => {
      const dir = await tempDir();
      await chmod(dir, 0o500);
      expect(await telemetryWritableCheck(join(dir, 't.jsonl'), { statfs: roomy }).run()).toBe(
        'Telemetry file not writable',
      );
    },
  );

  it.each([
    ['less than 1% free', { blocks: 100_000, bavail: 999, bsize: 1024 * 1024 }],
    ['less than 10 MB free', { blocks: 100, bavail: 50, bsize: 100 * 1024 }],
    ['nothing free', { blocks: 100, bavail: 0, bsize: 4096 }],
  ])('reports "Telemetry disk full" with %s', async (_name, info) => {
    const file = join(await tempDir(), 'telemetry.jsonl');
    const check = telemetryWritableCheck(file, { statfs: async () => info });
    expect(await check.run()).toBe('Telemetry disk full');
  });

  it('passes with exactly 1% and more than 10 MB free', async () => {
    const file = join(await tempDir(), 'telemetry.jsonl');
    const info = { blocks: 100_000, bavail: 1000, bsize: GB };
    expect(await telemetryWritableCheck(file, { statfs: async () => info }).run()).toBeUndefined();
  });

  it.each([
    ['EACCES: permission denied', 'Telemetry file not writable'],
    ['ENOTDIR: not a directory', 'Telemetry file not writable'],
    ['ENOSPC: disk full', 'Telemetry disk full'],
    ['EDQUOT: disk quota exceeded', 'Telemetry disk full'],
  ])(
    'fails while its writer is losing events (%s), until the writer recovers',
    async (reason, text) => {
      const file = join(await tempDir(), 'telemetry.jsonl');
      const writer: { gap: { reason: string } | undefined } = { gap: { reason } };
      const check = telemetryWritableCheck(file, { statfs: roomy, writer });
      expect(await check.run()).toBe(text);
      writer.gap = undefined;
      expect(await check.run()).toBeUndefined();
    },
  );
});
