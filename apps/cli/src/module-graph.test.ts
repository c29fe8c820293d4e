import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatTelemetryLine } from '@eventkit/core/telemetry';
import { createImportLog, type ImportLog } from '@eventkit/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir, runCli } from './test-support/run-cli.js';

let dir: string;
let cleanup: () => Promise<void>;
let modules: ImportLog;
beforeEach(async () => {
  ({ dir, cleanup } = await createTempDir());
  modules = createImportLog(dir);
});
afterEach(() => cleanup());

/** The packages and package subpaths `eventkit <args>` imports, in this process. */
async function importedBy(args: string[]): Promise<string[]> {
  modules.reset();
  const run = await runCli(args, { cwd: dir, env: modules.env });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return modules.imported();
}

describe('what a command loads', () => {
  it("the command tree alone (--version) needs only commander and core's telemetry subpath", async () => {
    expect(await importedBy(['--version'])).toEqual(['@eventkit/core/telemetry', 'commander']);
  });

  it('summarize reaches core through its telemetry and analysis subpaths (no zod, manifest or calendar)', async () => {
    const line = formatTelemetryLine({
      ts: 1732540000,
      action: 'recommend',
      success: true,
      latency_ms: 12.5,
      payload: { pad: 'x'.repeat(400) },
      error: null,
    });
    const file = path.join(dir, 'telemetry.jsonl');
    await writeFile(file, line.repeat(1000));
    const imported = await importedBy(['summarize', '--json', file]);
    expect(imported).toContain('@eventkit/core/analysis');
    for (const heavy of [
      '@eventkit/core',
      '@eventkit/core/manifest',
      'zod',
      'ical.js',
      'cli-progress',
      '@duckdb/node-api',
    ]) {
      expect(imported).not.toContain(heavy);
    }
  });

  it('slo and report check the default targets without zod; only a targets file loads it', async () => {
    const file = path.join(dir, 'telemetry.jsonl');
    const now = Date.now() / 1000;
    await writeFile(
      file,
      formatTelemetryLine({
        ts: now,
        action: 'recommend',
        success: true,
        latency_ms: 5,
        payload: {},
        error: null,
      }),
    );
    const targets = path.join(dir, 'slo.json');
    await writeFile(targets, JSON.stringify({ latency_p95_max_ms: 80 }));
    const html = path.join(dir, 'report.html');
    expect(await importedBy(['slo', file])).not.toContain('zod');
    expect(await importedBy(['report', file, '--html', html])).not.toContain('zod');
    expect(await importedBy(['slo', '--targets', targets, file])).toContain('zod');
  });

  it('sql loads DuckDB, which summarize above does not', async () => {
    await writeFile(path.join(dir, 'telemetry.jsonl'), '');
    expect(await importedBy(['sql', 'SELECT 1 AS one'])).toContain('@duckdb/node-api');
  });
});
