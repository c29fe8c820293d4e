#!/usr/bin/env node
// Telemetry summary throughput: @eventkit/core's summarizeTelemetry (built dist: worker threads
// over byte ranges, canonical-line fast path, DDSketch percentiles) against a naive baseline
// measured in the same run — readline + JSON.parse per line + sort for percentiles — and DuckDB
// (@duckdb/node-api, read_json + quantile_cont, see bench/duckdb-summary.mjs) on the same file.
//
//   pnpm --filter @eventkit/core build
//   node bench/core-summary.bench.mjs [--sizes 1000000,5000000] [--malformed 2] [--runs 3] [--threads 2]
//     [--instances N] [--duckdb-threads N] [--no-duckdb]
//
// Each measurement runs in its own child process (one after another), which reports its time and
// its peak RSS (process.resourceUsage().maxRSS, worker threads included) and the CPU time the
// summary took (all threads; steadier than wall time on a shared machine). The parent checks that
// counts match exactly and percentiles stay within the sketch's 1% bound, and prints the ratios.
// Data comes from bench/generate-telemetry.mjs (cached in bench/.data/, git-ignored).
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { unavailableReason } from './duckdb-summary.mjs';
import { ensureTelemetryFile } from './generate-telemetry.mjs';

const DIST = new URL('../packages/core/dist/analysis.js', import.meta.url);
const DUCKDB = new URL('./duckdb-summary.mjs', import.meta.url);
const QUANTILES = [
  ['p50_ms', 0.5],
  ['p95_ms', 0.95],
  ['p99_ms', 0.99],
];

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000' },
    malformed: { type: 'string', default: '0' },
    instances: { type: 'string', default: '0' },
    runs: { type: 'string', default: '1' },
    threads: { type: 'string' },
    'duckdb-threads': { type: 'string' },
    'no-duckdb': { type: 'boolean', default: false },
    child: { type: 'string' },
    file: { type: 'string' },
  },
});

// ---------------------------------------------------------------------------------------------
// Children: each prints one JSON line { ms, maxRssMb, summary }.

async function runCore(file, threads) {
  const { summarizeTelemetry } = await import(DIST.href);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const summary = await summarizeTelemetry(file, {
    includeRotated: false,
    ...(threads ? { threads } : {}),
  });
  return { ms: performance.now() - started, cpuMs: cpuSince(cpu), summary };
}

function isValid(event) {
  return (
    typeof event === 'object' &&
    event !== null &&
    !Array.isArray(event) &&
    typeof event.ts === 'number' &&
    typeof event.action === 'string' &&
    event.action.length > 0 &&
    typeof event.success === 'boolean' &&
    typeof event.latency_ms === 'number' &&
    event.latency_ms >= 0 &&
    (event.payload === undefined ||
      (typeof event.payload === 'object' &&
        event.payload !== null &&
        !Array.isArray(event.payload))) &&
    (event.error === undefined || event.error === null || typeof event.error === 'string') &&
    (event.trace_id === undefined || typeof event.trace_id === 'string')
  );
}

/** What one would write first: readline, JSON.parse, arrays of latencies, sort. */
async function runNaive(file) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const actions = new Map();
  let total = 0;
  let failures = 0;
  let malformed = 0;
  const lines = createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      malformed++;
      continue;
    }
    // Invalid UTF-8 decodes to U+FFFD; treat such lines as malformed, as core does.
    if (!isValid(event) || line.includes('\uFFFD')) {
      malformed++;
      continue;
    }
    let entry = actions.get(event.action);
    if (!entry) {
      entry = { count: 0, failures: 0, latencies: [] };
      actions.set(event.action, entry);
    }
    entry.count++;
    entry.latencies.push(event.latency_ms);
    total++;
    if (!event.success) {
      entry.failures++;
      failures++;
    }
  }
  const summary = { total, failures, malformed_lines: malformed, actions: {} };
  for (const [name, entry] of actions) {
    entry.latencies.sort((a, b) => a - b);
    const at = (q) => entry.latencies[Math.min(Math.floor(entry.count * q), entry.count - 1)];
    summary.actions[name] = {
      count: entry.count,
      failures: entry.failures,
      share: (entry.count / total) * 100,
      p50_ms: at(0.5),
      p95_ms: at(0.95),
      p99_ms: at(0.99),
    };
  }
  return { ms: performance.now() - started, cpuMs: cpuSince(cpu), summary };
}

/** CPU time of the whole process (all threads, workers included) since `start`, in ms. */
function cpuSince(start) {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

if (values.child) {
  const file = values.file;
  const result =
    values.child === 'naive'
      ? await runNaive(file)
      : await runCore(file, Number(values.threads) || 0);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...result, maxRssMb })}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Parent.

if (!existsSync(DIST)) {
  console.error('core-summary bench: build core first: pnpm --filter @eventkit/core build');
  process.exit(2);
}

function measure(kind, file, threads) {
  const args = [fileURLToPath(import.meta.url), '--child', kind, '--file', file];
  if (threads) args.push('--threads', String(threads));
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) {
    throw new Error(`${kind} child failed (${child.status}): ${child.stderr}`);
  }
  return JSON.parse(child.stdout.trim().split('\n').at(-1));
}

/** DuckDB in its own process; `{ unavailable }` instead of throwing when it cannot run. */
function measureDuckdb(file, threads) {
  const child = spawnSync(
    process.execPath,
    [fileURLToPath(DUCKDB), '--file', file, '--threads', String(threads)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (child.error) return { unavailable: child.error.message };
  if (child.status !== 0) {
    return { unavailable: unavailableReason(child.stdout, child.stderr, child.status) };
  }
  return JSON.parse(child.stdout.trim().split('\n').at(-1));
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Exact counts, and `core`'s percentiles within 1% of the naive (exact) ones. */
function compare(
  core,
  naive,
  { label = 'core', keys = ['total', 'failures', 'malformed_lines'] } = {},
) {
  const problems = [];
  for (const key of keys) {
    if (core[key] !== naive[key])
      problems.push(`${key}: ${label} ${core[key]} ≠ naive ${naive[key]}`);
  }
  let worst = 0;
  for (const [name, expected] of Object.entries(naive.actions)) {
    const got = core.actions[name];
    if (!got) {
      problems.push(`action ${name} missing from ${label}`);
      continue;
    }
    if (got.count !== expected.count || got.failures !== expected.failures) {
      problems.push(
        `${name}: ${label} ${got.count}/${got.failures} ≠ naive ${expected.count}/${expected.failures}`,
      );
    }
    for (const [key] of QUANTILES) {
      const deviation =
        expected[key] === 0
          ? Math.abs(got[key])
          : Math.abs(got[key] - expected[key]) / expected[key];
      worst = Math.max(worst, deviation);
      if (deviation > 0.01 + 1e-9)
        problems.push(`${name} ${key}: ${label} ${got[key]} vs exact ${expected[key]}`);
    }
  }
  return { problems, worst };
}

const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const sizes = values.sizes.split(',').map(Number);
const malformedPercent = Number(values.malformed);
const runs = Math.max(1, Number(values.runs));
const threads = values.threads ? Number(values.threads) : undefined;
const duckdbThreads = Number(values['duckdb-threads'] ?? threads ?? availableParallelism());
console.log(
  `core summary benchmark — node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, median of ${runs} run(s)`,
);

let failed = false;
for (const lines of sizes) {
  const data = ensureTelemetryFile({
    lines,
    malformedPercent,
    instances: Number(values.instances),
  });
  console.log(
    `\n${fmt(lines)} lines, ${fmt(data.bytes / 1e6)} MB, ${fmt(data.malformed)} malformed (${malformedPercent}%): ${data.file}`,
  );
  const variants = [
    [
      'core',
      `core (${threads ?? availableParallelism()} threads)`,
      threads ?? availableParallelism(),
    ],
    ['core', 'core (1 thread)', 1],
    ['naive', 'naive baseline', undefined],
  ];
  const results = {};
  for (const [kind, label, t] of variants) {
    const samples = Array.from({ length: runs }, () => measure(kind, data.file, t));
    const ms = median(samples.map((s) => s.ms));
    const rss = Math.max(...samples.map((s) => s.maxRssMb));
    const cpu = median(samples.map((s) => s.cpuMs));
    results[label] = { ms, rss, cpu, summary: samples[0].summary };
    console.log(
      `  ${label.padEnd(18)} ${fmt(ms / 1000, 2).padStart(6)} s  ${fmt(lines / (ms / 1000)).padStart(10)} lines/s  peak RSS ${fmt(rss).padStart(4)} MB  CPU ${fmt(cpu / 1000, 2).padStart(5)} s`,
    );
  }
  let duckdb;
  if (values['no-duckdb']) {
    console.log('  DuckDB skipped (--no-duckdb)');
  } else {
    const label = `DuckDB (${duckdbThreads} thr.)`;
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const sample = measureDuckdb(data.file, duckdbThreads);
      if (sample.unavailable) {
        console.log(`  DuckDB unavailable: ${sample.unavailable}`);
        samples.length = 0;
        break;
      }
      samples.push(sample);
    }
    if (samples.length > 0) {
      const ms = median(samples.map((s) => s.ms));
      const rss = Math.max(...samples.map((s) => s.maxRssMb));
      const cpu = median(samples.map((s) => s.cpuMs));
      const loadMs = median(samples.map((s) => s.loadMs));
      duckdb = { ms, rss, cpu, summary: samples[0].summary, version: samples[0].version };
      console.log(
        `  ${label.padEnd(18)} ${fmt(ms / 1000, 2).padStart(6)} s  ${fmt(lines / (ms / 1000)).padStart(10)} lines/s  peak RSS ${fmt(rss).padStart(4)} MB  CPU ${fmt(cpu / 1000, 2).padStart(5)} s  (DuckDB ${duckdb.version}; query only, +${fmt(loadMs / 1000, 2)} s to load and start)`,
      );
    }
  }
  const naive = results['naive baseline'];
  const core = results[variants[0][1]];
  const single = results['core (1 thread)'];
  if (duckdb) {
    const verdict = core.ms < duckdb.ms ? 'core faster' : 'DuckDB faster';
    console.log(
      `  ratio core/DuckDB (wall time): ${fmt(core.ms / duckdb.ms, 2)} (${verdict}; 1 thread: ${fmt(single.ms / duckdb.ms, 2)}); CPU time: ${fmt(core.cpu / duckdb.cpu, 2)}`,
    );
    const { problems, worst } = compare(duckdb.summary, naive.summary, {
      label: 'DuckDB',
      keys: ['total', 'failures'],
    });
    const counts = problems.filter((p) => !/_ms:/.test(p));
    const truth =
      duckdb.summary.total === data.valid
        ? 'equals the generator'
        : `generator says ${fmt(data.valid)}`;
    console.log(
      `  DuckDB vs ours: ${counts.length === 0 ? 'counts match exactly' : `counts DIFFER: ${counts.join('; ')}`} (DuckDB total ${fmt(duckdb.summary.total)}, ${truth}); percentiles (quantile_cont) within ${fmt(worst * 100, 2)}% of the naive sorted[floor(n·q)]`,
    );
  }
  console.log(
    `  ratio (wall): core ${fmt(naive.ms / core.ms, 1)}× the naive baseline (1 thread: ${fmt(naive.ms / single.ms, 1)}×)`,
  );
  console.log(
    `  ratio (CPU):  core ${fmt(naive.cpu / core.cpu, 1)}× the naive baseline (1 thread: ${fmt(naive.cpu / single.cpu, 1)}×)`,
  );
  for (const [label, result] of [
    [variants[0][1], core],
    ['core (1 thread)', single],
  ]) {
    const { problems, worst } = compare(result.summary, naive.summary);
    const expectedCounts =
      result.summary.total === data.valid && result.summary.malformed_lines === data.malformed;
    if (problems.length > 0 || !expectedCounts) {
      failed = true;
      console.log(
        `  ${label}: MISMATCH ${problems.join('; ')}${expectedCounts ? '' : ' (generator counts differ)'}`,
      );
    } else {
      console.log(
        `  ${label}: counts match exactly (${fmt(result.summary.total)} events, ${fmt(result.summary.malformed_lines)} malformed); percentiles within ${fmt(worst * 100, 2)}% of exact (bound 1%)`,
      );
    }
  }
}
process.exitCode = failed ? 1 : 0;
