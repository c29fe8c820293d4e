#!/usr/bin/env node
// Benchmark: `eventkit archive` throughput on generated lines (first run, then the incremental
// run that finds nothing new), and one question — per-action count and failures — answered in the
// same run by `eventkit summarize --json`, `eventkit sql` over the JSONL file and `eventkit sql`
// over the Parquet archive. Every answer is checked against the generator's counts.
//
//   pnpm exec turbo run build --filter=@eventkit/cli...
//   node bench/archive.bench.mjs [--lines 1000000] [--malformed 0] [--runs 3]
//
// Each figure is the whole process (Node start-up, loading DuckDB, reading, writing), timed as
// wall seconds with its peak RSS by /usr/bin/time (GNU time, Linux). Each command runs --runs
// times and the fastest run counts, except the first archive run, which runs once per fresh
// directory and keeps the fastest as well.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTelemetryFile } from './generate-telemetry.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'apps/cli/dist/main.js');

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    malformed: { type: 'string', default: '0' },
    runs: { type: 'string', default: '3' },
  },
});
const runs = Math.max(1, Number(values.runs));
const data = ensureTelemetryFile({
  lines: Number(values.lines),
  malformedPercent: Number(values.malformed),
});

/** `eventkit …` under GNU time: {seconds, peakMb, stdout}. */
function eventkit(args) {
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/time',
      ['-f', 'BENCH_TIME %e %M', process.execPath, CLI, ...args],
      { maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`eventkit ${args[0]} failed: ${stderr.trim()}`));
        const match = /BENCH_TIME ([\d.]+) (\d+)/.exec(stderr);
        resolve({ seconds: Number(match?.[1]), peakMb: Number(match?.[2]) / 1024, stdout });
      },
    );
  });
}

async function fastest(make) {
  let best;
  for (let i = 0; i < runs; i++) {
    const result = await make();
    if (!best || result.seconds < best.seconds) best = result;
  }
  return best;
}

const QUESTION =
  'SELECT action, count(*) AS count, count(*) FILTER (WHERE NOT success) AS failures FROM telemetry GROUP BY action ORDER BY action';

function fromSql(stdout) {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map(({ action, count, failures }) => [action, { count, failures }]),
  );
}

function fromSummary(stdout) {
  const summary = JSON.parse(stdout);
  return Object.fromEntries(
    Object.entries(summary.actions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([action, { count, failures }]) => [action, { count, failures }]),
  );
}

const total = (answer) => Object.values(answer).reduce((sum, { count }) => sum + count, 0);
const line = (name, { seconds, peakMb }, extra = '') =>
  console.log(
    `  ${name.padEnd(34)} ${seconds.toFixed(2).padStart(6)} s  ${peakMb.toFixed(0).padStart(5)} MB${extra}`,
  );

const work = mkdtempSync(join(tmpdir(), 'eventkit-archive-bench-'));
try {
  console.log(`${data.lines} lines (${data.valid} valid) from ${data.file}, best of ${runs}`);
  let archiveDir;
  const first = await fastest(async () => {
    archiveDir = mkdtempSync(join(work, 'archive-'));
    return eventkit(['archive', '--out', archiveDir, '--json', '--no-rotated', data.file]);
  });
  const report = JSON.parse(first.stdout);
  if (report.rows !== data.valid)
    throw new Error(`archive wrote ${report.rows} rows, expected ${data.valid}`);
  line(
    'archive (first run)',
    first,
    `  ${Math.round(report.rows / first.seconds).toLocaleString('en')} lines/s, ${report.parquet_files.length} Parquet files`,
  );
  const again = await fastest(() =>
    eventkit(['archive', '--out', archiveDir, '--json', '--no-rotated', data.file]),
  );
  if (JSON.parse(again.stdout).rows !== 0) throw new Error('the second archive run wrote rows');
  line('archive (nothing new)', again);

  console.log(`per-action count and failures:`);
  const summarize = await fastest(() =>
    eventkit(['summarize', '--json', '--no-rotated', data.file]),
  );
  const sqlJsonl = await fastest(() =>
    eventkit(['sql', QUESTION, '--json', '--no-rotated', data.file]),
  );
  const sqlParquet = await fastest(() =>
    eventkit(['sql', QUESTION, '--json', '--archive', archiveDir]),
  );
  const expected = fromSummary(summarize.stdout);
  for (const [name, result] of [
    ['sql over the JSONL file', sqlJsonl],
    ['sql over the Parquet archive', sqlParquet],
  ]) {
    if (JSON.stringify(fromSql(result.stdout)) !== JSON.stringify(expected)) {
      throw new Error(`${name} disagrees with summarize`);
    }
  }
  if (total(expected) !== data.valid) throw new Error('summarize missed lines');
  line('summarize --json', summarize);
  line(
    'sql, JSONL file',
    sqlJsonl,
    `  ${(sqlJsonl.seconds / summarize.seconds).toFixed(1)}× summarize`,
  );
  line(
    'sql --archive (Parquet)',
    sqlParquet,
    `  ${(sqlParquet.seconds / summarize.seconds).toFixed(1)}× summarize`,
  );
  console.log('answers: all three equal, and cover every valid line');
} finally {
  rmSync(work, { recursive: true, force: true });
}
