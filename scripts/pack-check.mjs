#!/usr/bin/env node
// Proves @eventkit/core works for an outside app: `pnpm pack` the package (building it first if
// dist is missing), install the tarball with npm into a scratch project in the OS temp dir (outside
// the workspace, so nothing resolves to workspace sources), and run a small program there that
// writes telemetry with rotation, reads it back and summarises it, asserting the counts.
// Exits non-zero with a message saying which step failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const core = join(root, 'packages', 'core');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = packageManager.split('@')[1];

function fail(message) {
  console.error(`pack-check: FAILED: ${message}`);
  process.exit(1);
}

function run(step, command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: process.env });
  if (result.error) fail(`${step}: cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    fail(
      `${step}: \`${command} ${args.join(' ')}\` exited ${result.status}\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

function pnpm(step, args, cwd) {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  return probe.status === 0
    ? run(step, 'pnpm', args, cwd)
    : run(step, 'npx', ['-y', `pnpm@${pnpmVersion}`, ...args], cwd);
}

// The program an outside app would write, using only the package's public entry point.
const PROGRAM = `
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@eventkit/core';
import * as analysis from '@eventkit/core/analysis';
import * as manifestEntry from '@eventkit/core/manifest';
import * as telemetry from '@eventkit/core/telemetry';

const dir = process.argv[2];
const file = join(dir, 'telemetry.jsonl');
const actions = ['recommend', 'explain', 'export'];
const total = 5000;
const expected = { recommend: 0, explain: 0, export: 0 };
let failures = 0;

const writer = core.createTelemetryWriter({ file, maxSizeBytes: 64 * 1024, retention: { maxFiles: 0, maxAgeDays: 0 } });
for (let i = 0; i < total; i++) {
  const action = actions[i % 3];
  const success = i % 10 !== 0;
  expected[action]++;
  if (!success) failures++;
  writer.write({ ts: 1732540000 + i, action, success, latency_ms: (i % 100) + 0.5, payload: { i } });
}
await writer.close();
assert.deepEqual(writer.stats, { written: total, dropped: 0, errors: 0, rotations: writer.stats.rotations });
assert.ok(writer.stats.rotations > 0, 'expected the writer to rotate at 64 KiB');
const names = await readdir(dir);
assert.ok(names.some((name) => name.endsWith('.gz')), 'expected gzipped archives, got ' + names.join(', '));

let read = 0;
const reader = typeof core.readTelemetry === 'function' ? 'readTelemetry' : 'readline + parseTelemetryLine';
const seen = { recommend: 0, explain: 0, export: 0 };
if (typeof core.readTelemetry === 'function') {
  for await (const event of core.readTelemetry(file)) {
    assert.equal(event.payload.i, read, 'events out of order');
    seen[event.action]++;
    read++;
  }
} else {
  // Fallback for a core without the reader: archives (gunzipped) then the live file.
  const { createReadStream } = await import('node:fs');
  const { createGunzip } = await import('node:zlib');
  const { createInterface } = await import('node:readline');
  for (const path of [...(await core.listRotatedFiles(file)), file]) {
    const stream = createReadStream(path);
    const lines = createInterface({ input: path.endsWith('.gz') ? stream.pipe(createGunzip()) : stream, crlfDelay: Infinity });
    for await (const line of lines) {
      const parsed = core.parseTelemetryLine(line);
      assert.ok(parsed.ok, 'unparseable line: ' + line);
      seen[parsed.event.action]++;
      read++;
    }
  }
}
assert.equal(read, total, 'read back a different number of events');
assert.deepEqual(seen, expected);

let summarised = 'no summarizeTelemetry export';
if (typeof core.summarizeTelemetry === 'function') {
  const summary = await core.summarizeTelemetry(file);
  assert.equal(summary.total, total);
  assert.equal(summary.failures, failures);
  for (const action of actions) assert.equal(summary.actions[action].count, expected[action]);
  summarised = 'summary total ' + summary.total + ', failures ' + summary.failures;
}
// The telemetry subpath: same modules as the main entry, usable on its own.
assert.equal(telemetry.EventKitError, core.EventKitError, 'subpath and main entry must share EventKitError');
assert.deepEqual(await telemetry.listRotatedFiles(file), await core.listRotatedFiles(file));
const line = telemetry.formatTelemetryLine({ ts: 1, action: 'recommend', success: true, latency_ms: 2, payload: {}, error: null });
assert.equal(telemetry.parseTelemetryLine(line.trim()).ok, true);
const decoder = telemetry.createLineDecoder();
const bytes = Buffer.from(line);
assert.equal(decoder.decode(bytes, 0, bytes.length - 1), true, 'line decoder rejected a canonical line');
assert.equal(decoder.action, 'recommend');
assert.ok(telemetry.METRIC_NAMES.requests.startsWith('event_agent_'));
const sample = await manifestEntry.loadManifest(manifestEntry.SAMPLE_MANIFEST_PATH);
assert.equal(manifestEntry.telemetrySettings(sample, dir).retention.maxFiles, 20);
assert.equal(manifestEntry.parseManifest, core.parseManifest);
// The analysis subpath (eventkit summarize): the same reader and summary as the main entry.
assert.equal(analysis.summarizeTelemetry, core.summarizeTelemetry);
assert.equal((await analysis.summarizeTelemetry(file)).total, total);
const ratio = await telemetry.diskFreeRatio(dir);
assert.ok(ratio >= 0 && ratio <= 1, 'diskFreeRatio out of range: ' + ratio);

const report = await core.createHealthModel({ version: '1.0.0', checks: [core.telemetryWritableCheck(file)] }).check();
assert.equal(report.status, 'healthy', JSON.stringify(report));
console.log('subpaths telemetry + manifest + analysis OK; wrote ' + total + ' events in ' + names.length + ' files (' + writer.stats.rotations + ' rotations), read ' + read + ', ' + summarised);
`;

async function main() {
  if (!existsSync(join(core, 'dist', 'index.js'))) {
    console.log('pack-check: building @eventkit/core');
    pnpm('build', ['--filter', '@eventkit/core', 'build'], root);
  }
  const work = await mkdtemp(join(tmpdir(), 'eventkit-pack-check-'));
  try {
    pnpm('pack', ['pack', '--pack-destination', work], core);
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) fail(`pack: no .tgz in ${work}`);
    const listing = run('list tarball', 'tar', ['-tzf', join(work, tarball)], work);
    for (const needed of [
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/telemetry.js',
      'package/dist/telemetry.d.ts',
      'package/dist/manifest.js',
      'package/dist/manifest.d.ts',
      'package/dist/analysis.js',
      'package/dist/analysis.d.ts',
      'package/README.md',
    ]) {
      if (!listing.split('\n').includes(needed)) fail(`pack: ${tarball} lacks ${needed}`);
    }

    const scratch = join(work, 'scratch');
    const data = join(work, 'data');
    await run('mkdir', 'mkdir', ['-p', scratch, data], work);
    await writeFile(
      join(scratch, 'package.json'),
      `${JSON.stringify({ name: 'eventkit-pack-check', private: true, type: 'module' }, null, 2)}\n`,
    );
    run(
      'npm install',
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        join(work, tarball),
      ],
      scratch,
    );
    await writeFile(join(scratch, 'check.mjs'), PROGRAM);
    const output = run('scratch program', process.execPath, ['check.mjs', data], scratch);
    console.log(`pack-check: OK: ${tarball} installed outside the workspace; ${output.trim()}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
