#!/usr/bin/env node
// The DuckDB comparison for core-summary.bench.mjs and cli-summarize.bench.mjs: our summary
// (total, failures, per-action count / failures / p50 / p95 / p99 latency) as one DuckDB query
// over the same JSONL file, run in its own process so that its peak RSS is its own.
//
//   node bench/duckdb-summary.mjs --file FILE [--threads 2]
//
// Prints one JSON line: { ms, cpuMs, loadMs, maxRssMb, version, threads, summary }, where `ms` is
// the query alone (module loading and DuckDB start-up are `loadMs`). If @duckdb/node-api cannot
// be loaded or the query fails it prints { unavailable: reason } and exits with code 3; the
// benches then print "DuckDB unavailable: reason" and go on.
//
// What the query does, and where it differs from core:
// - read_json(format='newline_delimited', ignore_errors=true) with the four columns the summary
//   needs, typed (ts DOUBLE, action VARCHAR, success BOOLEAN, latency_ms DOUBLE); other keys are
//   not parsed. ignore_errors turns an unparsable line into a row of NULLs, a blank line into no
//   row; a value of the wrong type becomes NULL unless DuckDB can cast it (a string "12.3" for
//   latency_ms casts to 12.3 and counts).
// - the same validity rule core applies, as far as SQL sees it: ts, action (non-empty), success
//   not NULL, latency_ms >= 0. Malformed lines are not counted (DuckDB does not report them).
// - percentiles: quantile_cont, linear interpolation at position (n-1)*q, the definition
//   `eventkit summarize` uses (the naive baseline keeps the seed's sorted[floor(n*q)]).
// - total and failures are the sums of the per-action rows.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** @param {string} file */
export function duckdbSummarySql(file) {
  const path = `'${file.replaceAll("'", "''")}'`;
  return `
WITH events AS (
  SELECT action, success, latency_ms
  FROM read_json(${path}, format = 'newline_delimited', ignore_errors = true,
    columns = {ts: 'DOUBLE', action: 'VARCHAR', success: 'BOOLEAN', latency_ms: 'DOUBLE'})
  WHERE ts IS NOT NULL AND action IS NOT NULL AND action <> '' AND success IS NOT NULL
    AND latency_ms >= 0
)
SELECT action, count(*) AS count, count(*) FILTER (WHERE NOT success) AS failures,
  quantile_cont(latency_ms, [0.5, 0.95, 0.99]) AS q
FROM events GROUP BY action ORDER BY action`;
}

/** Runs the query; returns the timing and a summary shaped like core's (no malformed_lines). */
export async function runDuckdbSummary(file, threads = availableParallelism()) {
  const loadStarted = performance.now();
  const { DuckDBInstance, version } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`SET threads = ${Number(threads)}`);
  const loadMs = performance.now() - loadStarted;

  const cpu = process.cpuUsage();
  const started = performance.now();
  const reader = await connection.runAndReadAll(duckdbSummarySql(file));
  const rows = reader.getRowObjectsJson();
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);

  const summary = { total: 0, failures: 0, actions: {} };
  for (const row of rows) {
    const [p50, p95, p99] = row.q.map(Number);
    const count = Number(row.count);
    const failures = Number(row.failures);
    summary.total += count;
    summary.failures += failures;
    summary.actions[row.action] = { count, failures, p50_ms: p50, p95_ms: p95, p99_ms: p99 };
  }
  for (const action of Object.values(summary.actions)) {
    action.share = (action.count / summary.total) * 100;
  }
  connection.closeSync();
  instance.closeSync();
  return {
    ms,
    cpuMs: (user + system) / 1000,
    loadMs,
    version: typeof version === 'function' ? version() : undefined,
    threads: Number(threads),
    summary,
  };
}

/** One line for a bench: why DuckDB could not be measured. */
export function unavailableReason(stdout, stderr, status) {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    const parsed = JSON.parse(last);
    if (parsed.unavailable) return parsed.unavailable;
  } catch {
    // not our JSON: fall through
  }
  const firstError = stderr.trim().split('\n')[0];
  return `exit code ${status}${firstError ? `: ${firstError}` : ''}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { file: { type: 'string' }, threads: { type: 'string' } },
  });
  if (!values.file) {
    console.error('usage: node bench/duckdb-summary.mjs --file FILE [--threads N]');
    process.exit(2);
  }
  try {
    const result = await runDuckdbSummary(
      values.file,
      values.threads ? Number(values.threads) : undefined,
    );
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${JSON.stringify({ ...result, maxRssMb })}\n`);
    process.exit(0);
  } catch (error) {
    const reason = String(error?.message ?? error)
      .split('\n')[0]
      .slice(0, 300);
    process.stdout.write(`${JSON.stringify({ unavailable: reason })}\n`);
    process.exit(3);
  }
}
