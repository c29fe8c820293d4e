import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatTelemetryLine } from '@eventkit/core/telemetry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir, runCli } from './test-support/run-cli.js';

// A module-resolution hook (node --import) that logs every module the process and its worker
// threads resolve: what a command costs at start-up is what it loads.
const LOADER = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.MODULE_LOG, result.url + '\\n');
  return result;
}
`;
const REGISTER = `import { register } from 'node:module';
register('./loader.mjs', import.meta.url);
`;

/** Modules of core that only the agent, manifest, graph and logging commands need. */
const NOT_FOR_READING =
  /packages\/core\/dist\/(index\.js|manifest|agent\/|graph\/|logging\/)|node_modules\/.*\/(zod|ical\.js|cli-progress)\//;

const execFileAsync = promisify(execFile);

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await createTempDir());
  await writeFile(path.join(dir, 'loader.mjs'), LOADER);
  await writeFile(path.join(dir, 'register.mjs'), REGISTER);
});
afterEach(() => cleanup());

async function loadedBy(args: string[]): Promise<string[]> {
  const log = path.join(dir, 'modules.log');
  await writeFile(log, '');
  const run = await runCli(args, {
    cwd: dir,
    env: {
      MODULE_LOG: log,
      NODE_OPTIONS: `--import ${path.join(dir, 'register.mjs')}`,
    },
  });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return [...new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))];
}

/** The modules `node <script>` loads (a module with no side effects when run alone). */
async function loadedByNode(script: string): Promise<string[]> {
  const log = path.join(dir, 'modules.log');
  await writeFile(log, '');
  await execFileAsync(process.execPath, ['--import', path.join(dir, 'register.mjs'), script], {
    cwd: dir,
    env: { PATH: process.env.PATH, MODULE_LOG: log },
  });
  return [...new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))];
}

describe('what a command loads', () => {
  it('the command tree alone (--version) loads no handler and, of core, only the telemetry subpath', async () => {
    const loaded = await loadedBy(['--version']);
    expect(loaded.filter((url) => NOT_FOR_READING.test(url))).toEqual([]);
    expect(loaded.filter((url) => /\/dist\/commands\/|\/core\/dist\/metrics\//.test(url))).toEqual(
      [],
    );
  });

  it('summarize, in this thread and in its worker threads, loads the reader and metrics only (no zod, manifest, agent or graph)', async () => {
    // 17 MiB: above the 16 MiB from which an explicit --threads 2 starts a worker.
    const line = formatTelemetryLine({
      ts: 1732540000,
      action: 'recommend',
      success: true,
      latency_ms: 12.5,
      payload: { pad: 'x'.repeat(400) },
      error: null,
    });
    const file = path.join(dir, 'telemetry.jsonl');
    await writeFile(file, line.repeat(Math.ceil((17 * 1024 * 1024) / line.length)));
    const loaded = await loadedBy(['summarize', '--json', '--threads', '2', file]);
    expect(loaded.filter((url) => NOT_FOR_READING.test(url))).toEqual([]);
    // This thread may take every range before the worker is up, so the worker entry is loaded on
    // its own: what it imports is what each worker thread loads.
    const summarize = loaded.find((url) => url.endsWith('/core/dist/metrics/summarize.js'));
    expect(summarize).toBeDefined();
    const worker = await loadedByNode(fileURLToPath(new URL('./summary-worker.js', summarize)));
    expect(worker.some((url) => url.endsWith('/reader/writer-line-wasm.js'))).toBe(true);
    expect(worker.filter((url) => NOT_FOR_READING.test(url))).toEqual([]);
  });
});
