#!/usr/bin/env node
// Benchmark: `eventkit summarize` (the built CLI) against, in the same run, the seed's jq summary,
// a naive Node summarizer and DuckDB (@duckdb/node-api, one read_json + quantile_cont query, see
// bench/duckdb-summary.mjs), on 1M and 5M generated lines; plus exactness on a file with 2%
// malformed lines. Prints lines/s, peak RSS and ratios, and writes bench/.data/cli-summarize.json.
//
//   pnpm exec turbo run build --filter=@eventkit/cli...
//   node bench/cli-summarize.bench.mjs [--sizes 1000000,5000000] [--jq-max 1000000] [--no-jq] [--runs 3]
//     [--duckdb-threads N] [--no-duckdb]
//
// DuckDB's time here is, like eventkit's, the whole process (Node start-up, loading the module and
// DuckDB, the query); the query alone is printed beside it.
//
// Peak RSS is the process's VmHWM from /proc (Linux), sampled every 20 ms until it exits. Each
// Node contender runs --runs times and the fastest run counts (the slower ones measure whatever
// else the machine was doing); jq, at tens of seconds, runs once.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { unavailableReason } from './duckdb-summary.mjs';
import { ensureTelemetryFile } from './generate-telemetry.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'apps/cli/dist/main.js');
const RESULTS = join(ROOT, 'bench/.data/cli-summarize.json');
const DUCKDB = join(ROOT, 'bench/duckdb-summary.mjs');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,5000000' },
    'jq-max': { type: 'string', default: '1000000' },
    'no-jq': { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    'duckdb-threads': { type: 'string' },
    'no-duckdb': { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map(Number);
const jqMax = Number(values['jq-max']);
const runs = Math.max(1, Number(values.runs));
const duckdbThreads = Number(
  values['duckdb-threads'] ?? (await import('node:os')).availableParallelism(),
);
let duckdbUnavailable = values['no-duckdb'] ? 'skipped (--no-duckdb)' : undefined;

/** DuckDB's summary of `file` in its own process, or undefined (and a line saying why). */
async function duckdb(file, lines, { repeat = true } = {}) {
  if (duckdbUnavailable) {
    console.log(`  DuckDB unavailable: ${duckdbUnavailable}`);
    return undefined;
  }
  const args = [DUCKDB, '--file', file, '--threads', String(duckdbThreads)];
  let result;
  try {
    result = repeat ? await best(process.execPath, args) : await measure(process.execPath, args);
  } catch (error) {
    duckdbUnavailable = error.message;
  }
  if (!duckdbUnavailable && result.code !== 0) {
    duckdbUnavailable = unavailableReason(result.stdout, result.stderr, result.code);
  }
  if (duckdbUnavailable) {
    console.log(`  DuckDB unavailable: ${duckdbUnavailable}`);
    return undefined;
  }
  const inner = JSON.parse(result.stdout.trim().split('\n').at(-1));
  console.log(
    `${row(`DuckDB ${inner.version} (${inner.threads} threads)`, lines, result)}  (query alone ${(inner.ms / 1000).toFixed(2)} s)`,
  );
  return { ...result, inner };
}

if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run pnpm exec turbo run build --filter=@eventkit/cli... first`);
  process.exit(2);
}

/**
 * The seed's summary in jq, slurped (`jq -s`, the usual way to sort in jq): counts, failures and
 * sorted[floor(n*q)] percentiles per action. (A streaming `reduce` that appends to arrays is
 * quadratic in jq: 100k lines already take 40 s.)
 */
const JQ_SUMMARY = `
{total: length, failures: (map(select(.success == false)) | length),
 actions: (group_by(.action) | map((map(.latency_ms) | sort) as $l | {key: .[0].action, value: {
   count: length, failures: (map(select(.success == false)) | length),
   p50_ms: $l[($l | length * 0.5 | floor)], p95_ms: $l[($l | length * 0.95 | floor)],
   p99_ms: $l[($l | length * 0.99 | floor)]}}) | from_entries)}`;

/** What a developer writes first: readline, JSON.parse, arrays, sort. Exact, but slow and big. */
const NAIVE = `
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
const actions = new Map();
let total = 0, failures = 0, malformed = 0;
const lines = createInterface({ input: createReadStream(process.argv[1]), crlfDelay: Infinity });
for await (const line of lines) {
  let e;
  try { e = JSON.parse(line); } catch { malformed++; continue; }
  if (!e || typeof e.action !== 'string' || typeof e.success !== 'boolean' || typeof e.latency_ms !== 'number' || e.latency_ms < 0 || typeof e.ts !== 'number') { malformed++; continue; }
  total++;
  let a = actions.get(e.action);
  if (!a) actions.set(e.action, (a = { count: 0, failures: 0, lat: [] }));
  a.count++;
  a.lat.push(e.latency_ms);
  if (!e.success) { failures++; a.failures++; }
}
const out = { total, failures, malformed_lines: malformed, actions: {} };
for (const [name, a] of actions) {
  a.lat.sort((x, y) => x - y);
  const q = (p) => a.lat[Math.floor(a.lat.length * p)];
  out.actions[name] = { count: a.count, failures: a.failures, p50_ms: q(0.5), p95_ms: q(0.95), p99_ms: q(0.99) };
}
console.log(JSON.stringify(out));
`;

function measure(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const match = /VmHWM:\s+(\d+) kB/.exec(status);
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({
        code,
        seconds: (performance.now() - started) / 1000,
        peakMb: peakKb / 1024,
        stdout,
        stderr,
      });
    });
  });
}

/** The fastest of `runs` runs (its output), with the highest peak RSS seen. */
async function best(command, args) {
  let fastest;
  let peakMb = 0;
  for (let i = 0; i < runs; i++) {
    const result = await measure(command, args);
    if (result.code !== 0) return result;
    peakMb = Math.max(peakMb, result.peakMb);
    if (!fastest || result.seconds < fastest.seconds) fastest = result;
  }
  return { ...fastest, peakMb };
}

const rate = (lines, seconds) => `${(lines / seconds / 1e6).toFixed(2)} M lines/s`;
const row = (name, lines, r) =>
  `  ${name.padEnd(34)} ${r.seconds.toFixed(2).padStart(7)} s  ${rate(lines, r.seconds).padStart(16)}  ${r.peakMb.toFixed(0).padStart(6)} MB`;

const results = {
  machine: { cpus: (await import('node:os')).availableParallelism(), node: process.version },
  runs: [],
};

for (const lines of sizes) {
  const data = ensureTelemetryFile({ lines, malformedPercent: 0 });
  console.log(
    `\n${lines.toLocaleString('en-US')} lines, ${(data.bytes / 1e6).toFixed(0)} MB (${data.file})`,
  );
  const eventkit = await best(process.execPath, [CLI, 'summarize', '--json', data.file]);
  if (eventkit.code !== 0) throw new Error(`eventkit failed: ${eventkit.stderr}`);
  console.log(row('eventkit summarize', lines, eventkit));
  const single = await best(process.execPath, [
    CLI,
    'summarize',
    '--json',
    '--threads',
    '1',
    data.file,
  ]);
  console.log(row('eventkit summarize --threads 1', lines, single));
  const naive = await best(process.execPath, ['--input-type=module', '-e', NAIVE, data.file]);
  console.log(row('naive Node (readline + JSON.parse)', lines, naive));
  const duck = await duckdb(data.file, lines);
  const run = {
    lines,
    bytes: data.bytes,
    eventkit: strip(eventkit),
    eventkitSingleThread: strip(single),
    naive: strip(naive),
  };
  if (duck) {
    run.duckdb = {
      ...strip(duck),
      queryMs: Math.round(duck.inner.ms),
      version: duck.inner.version,
    };
    run.duckdbAgrees = agree(JSON.parse(eventkit.stdout), duck.inner.summary);
    const ratio = eventkit.seconds / duck.seconds;
    console.log(
      `  ratio eventkit/DuckDB (wall time, whole processes): ${ratio.toFixed(2)} (${ratio < 1 ? 'eventkit faster' : 'DuckDB faster'}; --threads 1: ${(single.seconds / duck.seconds).toFixed(2)}); same answers as DuckDB (quantile_cont): ${run.duckdbAgrees.summary}`,
    );
  }
  if (!values['no-jq'] && lines <= jqMax) {
    const jq = await measure('jq', ['-s', '-c', JQ_SUMMARY, data.file]);
    console.log(row('jq summary (seed percentiles)', lines, jq));
    run.jq = strip(jq);
    run.jqAgrees = agree(JSON.parse(eventkit.stdout), JSON.parse(jq.stdout));
    console.log(
      `  ratios: ${(jq.seconds / eventkit.seconds).toFixed(1)}x faster than jq, ${(naive.seconds / eventkit.seconds).toFixed(1)}x the naive baseline; same answers as jq: ${run.jqAgrees.summary}`,
    );
  } else {
    console.log(
      `  ratio: ${(naive.seconds / eventkit.seconds).toFixed(1)}x the naive baseline (jq skipped above ${jqMax.toLocaleString('en-US')} lines)`,
    );
  }
  run.naiveAgrees = agree(JSON.parse(eventkit.stdout), JSON.parse(naive.stdout));
  console.log(`  same answers as naive: ${run.naiveAgrees.summary}`);
  results.runs.push(run);
}

// Exactness on 2% malformed lines (truncated JSON, wrong types, blank, invalid UTF-8, garbage…).
const dirty = ensureTelemetryFile({ lines: 1_000_000, malformedPercent: 2 });
console.log(
  `\n1,000,000 lines with ${dirty.malformed.toLocaleString('en-US')} malformed (2%), ${(dirty.bytes / 1e6).toFixed(0)} MB`,
);
const ours = await best(process.execPath, [CLI, 'summarize', '--json', dirty.file]);
const summary = JSON.parse(ours.stdout);
console.log(row('eventkit summarize', 1_000_000, ours));
console.log(
  `  eventkit: ${summary.total.toLocaleString('en-US')} events, ${summary.malformed_lines.toLocaleString('en-US')} malformed; generator truth: ${dirty.valid.toLocaleString('en-US')} / ${dirty.malformed.toLocaleString('en-US')} -> ${summary.total === dirty.valid && summary.malformed_lines === dirty.malformed ? 'EXACT' : 'WRONG'}`,
);
const naiveDirty = await measure(process.execPath, [
  '--input-type=module',
  '-e',
  NAIVE,
  dirty.file,
]);
const naiveSummary = JSON.parse(naiveDirty.stdout);
console.log(
  `  naive Node: ${naiveSummary.total.toLocaleString('en-US')} events, ${naiveSummary.malformed_lines.toLocaleString('en-US')} malformed (${naiveSummary.total === dirty.valid ? 'exact' : 'miscounted'})`,
);
const duckDirty = await duckdb(dirty.file, 1_000_000, { repeat: false });
if (duckDirty) {
  const theirs = duckDirty.inner.summary;
  const differing = Object.entries(theirs.actions)
    .filter(([name, action]) => summary.actions[name]?.count !== action.count)
    .map(([name, action]) => {
      const delta = action.count - (summary.actions[name]?.count ?? 0);
      return `${name} ${delta > 0 ? '+' : ''}${delta.toLocaleString('en-US')}`;
    });
  console.log(
    `  DuckDB: ${theirs.total.toLocaleString('en-US')} events (${theirs.total === dirty.valid ? 'exact' : `miscounted by ${(theirs.total - dirty.valid).toLocaleString('en-US')}`}), failures ${theirs.failures.toLocaleString('en-US')} vs ours ${summary.failures.toLocaleString('en-US')}; per-action counts vs eventkit: ${differing.length === 0 ? 'all equal' : differing.join(', ')}; ${duckDirty.seconds.toFixed(2)} s, ${duckDirty.peakMb.toFixed(0)} MB`,
  );
}
const jqDirty = values['no-jq'] ? undefined : await measure('jq', ['-c', '.action', dirty.file]);
if (jqDirty) {
  const read = jqDirty.stdout.split('\n').filter(Boolean).length;
  console.log(
    `  jq '.action': stopped after ${read.toLocaleString('en-US')} lines with exit code ${jqDirty.code} (${jqDirty.stderr.trim().split('\n')[0]})`,
  );
}
results.malformed = {
  truth: { valid: dirty.valid, malformed: dirty.malformed },
  eventkit: {
    total: summary.total,
    malformed_lines: summary.malformed_lines,
    seconds: ours.seconds,
    peakMb: ours.peakMb,
  },
  naive: { total: naiveSummary.total, malformed_lines: naiveSummary.malformed_lines },
  duckdb: duckDirty
    ? {
        total: duckDirty.inner.summary.total,
        failures: duckDirty.inner.summary.failures,
        seconds: Number(duckDirty.seconds.toFixed(3)),
        peakMb: Number(duckDirty.peakMb.toFixed(1)),
      }
    : { unavailable: duckdbUnavailable },
  jqLinesBeforeStop: jqDirty ? jqDirty.stdout.split('\n').filter(Boolean).length : undefined,
};
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nresults: ${RESULTS}`);

function strip({ seconds, peakMb, code }) {
  return { seconds: Number(seconds.toFixed(3)), peakMb: Number(peakMb.toFixed(1)), code };
}

/** Counts must match exactly; the worst relative difference of the percentiles is reported. */
function agree(ours, theirs) {
  const problems = [];
  if (ours.total !== theirs.total) problems.push(`total ${ours.total} vs ${theirs.total}`);
  if (ours.failures !== theirs.failures)
    problems.push(`failures ${ours.failures} vs ${theirs.failures}`);
  let worst = 0;
  for (const [name, theirAction] of Object.entries(theirs.actions)) {
    const ourAction = ours.actions[name];
    if (
      !ourAction ||
      ourAction.count !== theirAction.count ||
      ourAction.failures !== theirAction.failures
    ) {
      problems.push(`${name} counts`);
      continue;
    }
    for (const key of ['p50_ms', 'p95_ms', 'p99_ms']) {
      const error = Math.abs(ourAction[key] - theirAction[key]) / Math.max(theirAction[key], 1e-9);
      worst = Math.max(worst, error);
    }
  }
  return {
    counts: problems.length === 0,
    worstPercentileError: Number(worst.toFixed(5)),
    summary: `${problems.length === 0 ? 'counts exact' : `MISMATCH ${problems.join(', ')}`}, worst percentile error ${(worst * 100).toFixed(2)}%`,
  };
}
