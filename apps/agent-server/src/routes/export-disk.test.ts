import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBuilt } from '../test-support/built-server.js';
import { tempDir } from '../test-support/temp-dir.js';
import { PYTHON_MANIFEST } from '../test-support/test-deps.js';

/** agent.json with export-to-disk on into `outputDir`, telemetry beside it in `dir`. */
function writeManifest(dir: string, outputDir: string, limits: Record<string, number>) {
  const manifest = JSON.parse(readFileSync(PYTHON_MANIFEST, 'utf8'));
  manifest.features = {
    export: { enabled: true, output_dir: outputDir, ...limits },
    externalSessions: { enabled: false },
  };
  manifest.telemetry = { enabled: true, file: path.join(dir, 'telemetry.jsonl') };
  const file = path.join(dir, 'agent.json');
  writeFileSync(file, JSON.stringify(manifest));
  return file;
}

const telemetry = (dir: string) =>
  readFileSync(path.join(dir, 'telemetry.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { action: string; payload: { saved?: boolean } });

describe('built server: /export with features.export retention', () => {
  it('keeps a burst of distinct exports within maxFiles, reuses identical ones, and touches nothing else', async () => {
    const dir = tempDir('eventkit-export-e2e-');
    const outputDir = path.join(dir, 'exports');
    mkdirSync(outputDir);
    writeFileSync(path.join(outputDir, 'notes.txt'), 'sentinel');
    writeFileSync(path.join(dir, 'beside.md'), 'sentinel');
    const manifest = writeManifest(dir, outputDir, { maxFiles: 5 });
    const server = await startBuilt({}, ['--manifest', manifest], dir);
    try {
      const burst = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          fetch(`${server.url}/export?interests=agents,topic${i}&format=ics`),
        ),
      );
      expect(burst.map((r) => r.status)).toEqual(Array(60).fill(200));
      const same = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${server.url}/export?interests=edge`);
        same.push(res.headers.get('x-export-file'));
      }
      expect(new Set(same).size).toBe(1);
    } finally {
      await server.stop();
    }
    const files = readdirSync(outputDir);
    expect(files.filter((name) => name.startsWith('itinerary-'))).toHaveLength(5);
    expect(readFileSync(path.join(outputDir, 'notes.txt'), 'utf8')).toBe('sentinel');
    expect(readFileSync(path.join(dir, 'beside.md'), 'utf8')).toBe('sentinel');
    expect(telemetry(dir).filter((e) => e.payload.saved === true)).toHaveLength(63);
  });
});

/** Mounts a tmpfs of `size` at `dir`; false when this process may not (CI runs as root). */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const root = process.getuid?.() === 0;

describe.skipIf(!root)('built server: /export on a real file system that fills up', () => {
  it('answers every export, writes no copy once the disk is low, and says so', async (ctx) => {
    const dir = tempDir('eventkit-export-full-');
    const outputDir = path.join(dir, 'small');
    mkdirSync(outputDir);
    if (!mountTmpfs(outputDir, '64m')) {
      ctx.skip('skipped: could not mount a tmpfs (needs root and mount(8))');
    }
    try {
      const manifest = writeManifest(dir, outputDir, {});
      const server = await startBuilt({}, ['--manifest', manifest], dir);
      try {
        const before = await fetch(`${server.url}/export?interests=agents`);
        expect(before.headers.get('x-export-file')).toMatch(/^itinerary-/);
        // Leave less than the 10 MB that /health calls "disk full".
        writeFileSync(path.join(outputDir, 'filler.bin'), Buffer.alloc(58 * 1024 * 1024));
        const after = await fetch(`${server.url}/export?interests=edge`);
        expect(after.status).toBe(200);
        expect(await after.text()).toContain('Edge Intelligence Demos');
        expect(after.headers.get('x-export-file')).toBeNull();
      } finally {
        await server.stop();
      }
      expect(readdirSync(outputDir).filter((name) => name.startsWith('itinerary-'))).toHaveLength(
        1,
      );
      expect(telemetry(dir).map((e) => e.payload.saved)).toEqual([true, false]);
      expect(readFileSync(path.join(dir, 'agent.log'), 'utf8')).toMatch(
        / - WARNING - \[[0-9a-f]{32}\] Export copy not written: the disk holding .* is low on space/,
      );
    } finally {
      execFileSync('umount', [outputDir]);
    }
  });
});

if (!root) {
  describe('built server: /export on a real file system that fills up', () => {
    it.skip('skipped: mounting a small tmpfs needs root (CI runs as root)', () => {});
  });
}
