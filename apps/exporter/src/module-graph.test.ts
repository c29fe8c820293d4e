import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILT_EXPORTER } from './test-support/exporter-process.js';
import { tempDir } from './test-support/telemetry-files.js';

// A module-resolution hook (node --import) that logs every bare specifier the process asks for:
// which packages, and which of core's public entries, the exporter costs at start-up.
const LOADER = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (!/^(\\.|\\/|file:|node:)/.test(specifier)) appendFileSync(process.env.MODULE_LOG, specifier + '\\n');
  return next(specifier, context);
}
`;
const REGISTER = `import { register } from 'node:module';
register('./loader.mjs', import.meta.url);
`;

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('exporter-modules-'));
  writeFileSync(join(dir, 'loader.mjs'), LOADER);
  writeFileSync(join(dir, 'register.mjs'), REGISTER);
});
afterEach(() => cleanup());

/** Runs the built exporter; the packages and package subpaths it imported, and its exit code. */
function importedBy(args: string[]): { imported: string[]; status: number | null } {
  const log = join(dir, 'modules.log');
  writeFileSync(log, '');
  const run = spawnSync(
    process.execPath,
    ['--import', join(dir, 'register.mjs'), BUILT_EXPORTER, ...args],
    { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, MODULE_LOG: log } },
  );
  const imported = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].sort();
  return { imported, status: run.status };
}

describe('what the exporter loads', () => {
  it("starts on commander, prom-client and core's telemetry subpath alone (not core's whole index, not zod)", () => {
    const { imported, status } = importedBy(['--help']);
    expect(status).toBe(0);
    expect(imported).toEqual(['@eventkit/core/telemetry', 'commander', 'prom-client']);
  });

  it("loads the manifest (for the default --file) from core's manifest subpath, never the whole index", () => {
    const { imported, status } = importedBy(['--manifest', join(dir, 'missing.json')]);
    expect(status).toBe(3);
    expect(imported).toContain('@eventkit/core/manifest');
    expect(imported).not.toContain('@eventkit/core');
  });
});
