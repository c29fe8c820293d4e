import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTelemetryWriter } from '@eventkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDir,
  JQ_VALID_EVENTS,
  makeEvents,
  PYTHON_FIXTURE,
  runCli,
  sh,
  toJsonl,
  writeEvents,
} from '../test-support/run-cli.js';

const START = 1_732_540_000;
let dir: string;
let cleanup: () => Promise<void>;

interface JqAction {
  count: number;
  failures: number;
  p50: number;
  p95: number;
  p99: number;
}

/** jq's answer for the seed's report over `files` (plain or .gz, malformed lines skipped). */
async function jqSummary(
  files: string[],
): Promise<{ total: number; failures: number; actions: Record<string, JqAction> }> {
  const cat = files
    .map((file) => (file.endsWith('.gz') ? `zcat ${file}` : `cat ${file}`))
    .join('; ');
  // numpy's default (DuckDB's quantile_cont): position (n - 1) * p, interpolated linearly.
  const q = (p: number) =>
    `(map(.latency_ms)|sort|((length-1)*${p}) as $pos|($pos|floor) as $lo|.[$lo] as $a|.[([$lo+1,length-1]|min)] as $b|if $pos == $lo then $a else $a + ($b - $a) * ($pos - $lo) end)`;
  const out = await sh(
    `{ ${cat}; } | jq -R -c '${JQ_VALID_EVENTS}' | jq -s -c '{total: length, failures: (map(select(.success==false))|length), actions: (group_by(.action) | map({key: .[0].action, value: {count: length, failures: (map(select(.success==false))|length), p50: ${q(0.5)}, p95: ${q(0.95)}, p99: ${q(0.99)}}}) | from_entries)}'`,
    dir,
  );
  return JSON.parse(out);
}

const one = (value: number) => (Math.round(value * 10) / 10).toFixed(1);
const count = (value: number) => value.toLocaleString('en-US');

/** The seed's report, built from jq's figures. */
function expectedReport(
  jqResult: Awaited<ReturnType<typeof jqSummary>>,
  malformedLine?: string,
): string {
  const { total, failures, actions } = jqResult;
  const sorted = Object.entries(actions).sort(
    ([a, x], [b, y]) => y.count - x.count || a.localeCompare(b),
  );
  const lines = [
    '=== Telemetry Summary ===',
    `Total actions: ${count(total)}`,
    `Success rate: ${one(((total - failures) / total) * 100)}%`,
    '',
    'Action breakdown:',
    ...sorted.map(([name, a]) => `  ${name}: ${count(a.count)} (${one((a.count / total) * 100)}%)`),
    '',
    'Latency (ms):',
    ...sorted.map(
      ([name, a]) => `  ${name}: p50=${one(a.p50)}, p95=${one(a.p95)}, p99=${one(a.p99)}`,
    ),
    '',
    `Error rate: ${one((failures / total) * 100)}% (${count(failures)} failures)`,
  ];
  if (malformedLine) lines.push(malformedLine);
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  ({ dir, cleanup } = await createTempDir());
  const live = makeEvents(1200, START + 10_000, 1, 1);
  // Three malformed lines in the live file: a truncated write, a wrong type, plain text.
  const text =
    toJsonl(live.slice(0, 500)) +
    '{"ts":1732550000.5,"action":"recommend","succ\n' +
    toJsonl(live.slice(500, 900)) +
    '{"ts":1732550001,"action":"explain","success":"yes","latency_ms":3}\n' +
    'not json at all\n' +
    toJsonl(live.slice(900));
  await writeFile(path.join(dir, 'telemetry.jsonl'), text);
  await writeEvents(
    path.join(dir, 'telemetry.jsonl.20241125-000000-000.gz'),
    makeEvents(400, START, 1, 2),
  );
  await writeEvents(
    path.join(dir, 'telemetry.jsonl.20241125-060000-000'),
    makeEvents(300, START + 5000, 1, 3),
  );
  await writeEvents(path.join(dir, 'other.jsonl'), makeEvents(50, START, 1, 4));
});

afterAll(async () => {
  await cleanup();
});

describe('eventkit summarize', () => {
  it("prints the seed's report with jq's figures, rotated and .gz archives included, malformed lines counted", async () => {
    const run = await runCli(['summarize'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const expected = await jqSummary([
      'telemetry.jsonl.20241125-000000-000.gz',
      'telemetry.jsonl.20241125-060000-000',
      'telemetry.jsonl',
    ]);
    expect(expected.total).toBe(1900);
    expect(run.stdout).toBe(
      expectedReport(
        expected,
        'Skipped 3 malformed lines; first at telemetry.jsonl:501 (invalid JSON)',
      ),
    );
  });

  it('reads only the named file with --no-rotated', async () => {
    const run = await runCli(['summarize', '--no-rotated', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.total).toBe(1200);
    expect(summary.malformed_lines).toBe(3);
  });

  it('--json is the stable TelemetrySummary interface and agrees with jq', async () => {
    const run = await runCli(['summarize', '--json', 'other.jsonl'], { cwd: dir });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    const expected = await jqSummary(['other.jsonl']);
    expect(summary).toMatchObject({
      total: expected.total,
      failures: expected.failures,
      malformed_lines: 0,
    });
    expect(summary.success_rate).toBeCloseTo(
      ((expected.total - expected.failures) / expected.total) * 100,
      10,
    );
    expect(summary.error_rate).toBeCloseTo((expected.failures / expected.total) * 100, 10);
    for (const [name, a] of Object.entries(expected.actions)) {
      expect(summary.actions[name]).toEqual({
        count: a.count,
        failures: a.failures,
        share: expect.closeTo((a.count / expected.total) * 100, 10),
        p50_ms: a.p50,
        p95_ms: a.p95,
        p99_ms: a.p99,
      });
    }
  });

  it("counts actions as the seed's `jq -r '.action' | sort | uniq -c` does", async () => {
    const run = await runCli(['summarize', '--json', 'other.jsonl'], { cwd: dir });
    const seed = await sh("jq -r '.action' other.jsonl | sort | uniq -c", dir);
    const counts = Object.fromEntries(
      seed
        .trim()
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .map(([count, action]) => [action, Number(count)]),
    );
    const ours = Object.fromEntries(
      Object.entries(JSON.parse(run.stdout).actions).map(([action, stats]) => [
        action,
        (stats as { count: number }).count,
      ]),
    );
    expect(ours).toEqual(counts);
  });

  it('expands quoted globs and counts each file once', async () => {
    const run = await runCli(['summarize', '--json', 'telemetry.jsonl*', 'other.*'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).total).toBe(1950);
  });

  it('--since/--until select the same events as jq', async () => {
    const since = START + 10_100;
    const until = START + 10_700;
    const run = await runCli(
      [
        'summarize',
        '--json',
        '--since',
        new Date(since * 1000).toISOString(),
        '--until',
        new Date(until * 1000).toISOString(),
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const jqCount = await sh(
      `{ zcat telemetry.jsonl.*.gz; cat telemetry.jsonl.20241125-060000-000 telemetry.jsonl; } | jq -R -c '${JQ_VALID_EVENTS} | select(.ts >= ${since} and .ts < ${until})' | wc -l`,
      dir,
    );
    expect(JSON.parse(run.stdout).total).toBe(Number(jqCount.trim()));
  });

  it("reads the Python Event Kit's telemetry lines", async () => {
    const run = await runCli(['summarize', '--json', PYTHON_FIXTURE], { cwd: dir });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    const total = Number((await sh(`wc -l < ${PYTHON_FIXTURE}`, dir)).trim());
    const failures = Number(
      (await sh(`jq 'select(.success == false)' -c ${PYTHON_FIXTURE} | wc -l`, dir)).trim(),
    );
    expect(summary.total).toBe(total);
    expect(summary.failures).toBe(failures);
    expect(summary.malformed_lines).toBe(0);
  });

  it('shows the events the writer could not record, and does not count its gap record as one', async () => {
    // A real failure episode: the directory is a file, then it is not.
    const logs = path.join(dir, 'gap-logs');
    await writeFile(logs, 'in the way\n');
    const file = path.join(logs, 'telemetry.jsonl');
    const writer = createTelemetryWriter({
      file,
      onError: () => undefined,
      now: () => new Date(1_800_000_000_000),
    });
    const events = makeEvents(30, START);
    for (const event of events.slice(0, 12)) writer.write(event);
    await writer.flush();
    await rm(logs);
    await mkdir(logs);
    for (const event of events.slice(12)) writer.write(event);
    await writer.close();

    const text = await runCli(['summarize', file], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Total actions: 18\n');
    expect(text.stdout).not.toContain('telemetry_gap');
    const since = new Date(Math.floor(events[0]?.ts as number) * 1000).toISOString();
    const until = new Date(Math.floor(events[11]?.ts as number) * 1000).toISOString();
    expect(text.stdout).toContain(
      `12 events not recorded (ENOTDIR: not a directory) between ${since.slice(0, 19)}Z and ${until.slice(0, 19)}Z\n`,
    );
    const json = JSON.parse((await runCli(['summarize', '--json', file], { cwd: dir })).stdout);
    expect(json.total).toBe(18);
    expect(json.gaps).toEqual({
      records: 1,
      dropped: 12,
      episodes: [
        {
          dropped: 12,
          since: events[0]?.ts,
          until: events[11]?.ts,
          reason: 'ENOTDIR: not a directory',
        },
      ],
    });
  });

  it('exits 3 naming the file when the input is missing', async () => {
    const run = await runCli(['summarize', 'missing.jsonl'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('missing.jsonl');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 3 when a glob matches nothing', async () => {
    const run = await runCli(['summarize', 'nothing-*.jsonl'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('nothing-*.jsonl: no file matches');
  });

  it('documents the exit codes in --help and exits 0', async () => {
    const run = await runCli(['--help'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('3  unreadable input');
    expect((await runCli(['--version'], { cwd: dir })).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['summarize', '--since', 'yesterday'], '--since'],
    [['summarize', '--bogus'], '--bogus'],
    [['summarise'], 'summarise'],
    [['summarize', '--since', '1h', '--until', '2h'], '--since'],
    [['summarize', '--threads', '0'], '--threads'],
  ])('exits 2 on the usage error %j, naming %s', async (args, name) => {
    const run = await runCli(args, { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(name);
  });
});
