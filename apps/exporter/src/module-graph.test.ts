import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createImportLog, type ImportLog } from '@eventkit/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILT_EXPORTER } from './test-support/exporter-process.js';
import { tempDir } from './test-support/telemetry-files.js';

let dir: string;
let cleanup: () => void;
let modules: ImportLog;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('exporter-modules-'));
  modules = createImportLog(dir);
});
afterEach(() => cleanup());

/** Runs the built exporter; the packages and package subpaths it imported, and its exit code. */
function importedBy(args: string[]): { imported: string[]; status: number | null } {
  modules.reset();
  const run = spawnSync(process.execPath, [BUILT_EXPORTER, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...modules.env },
  });
  return { imported: modules.imported(), status: run.status };
}

describe('what the exporter loads', () => {
  it("starts on commander, prom-client and core's telemetry subpath alone (not core's whole index, not zod)", () => {
    const { imported, status } = importedBy(['--help']);
    expect(status).toBe(0);
    expect(imported).toEqual(['@eventkit/core/telemetry', 'commander', 'prom-client']);
  });

  it('loads the glob library only for a glob', () => {
    const plain = importedBy(['--once', '--file', join(dir, 'missing.jsonl')]);
    expect(plain.status).toBe(3);
    expect(plain.imported).not.toContain('tinyglobby');
    const glob = importedBy(['--once', '--file', join(dir, 'missing*.jsonl')]);
    expect(glob.status).toBe(3);
    expect(glob.imported).toContain('tinyglobby');
  });

  it("loads the manifest (for the default --file) from core's manifest subpath, never the whole index", () => {
    const { imported, status } = importedBy(['--manifest', join(dir, 'missing.json')]);
    expect(status).toBe(3);
    expect(imported).toContain('@eventkit/core/manifest');
    expect(imported).not.toContain('@eventkit/core');
  });
});
