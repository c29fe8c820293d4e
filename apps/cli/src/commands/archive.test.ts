import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import type { TelemetryEvent } from '@eventkit/core/telemetry';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTempDir,
  makeEvents,
  PYTHON_FIXTURE,
  runCli,
  toJsonl,
  writeEvents,
} from '../test-support/run-cli.js';

/** 2024-11-25T00:00:00Z */
const START = 1_732_492_800;

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await createTempDir());
});
afterEach(() => cleanup());

const withInstance = (events: TelemetryEvent[], instance: string) =>
  events.map((event) => ({ ...event, instance }));

/**
 * Two instances' telemetry over three days: api-1 has a gzipped rotated archive and a live file,
 * api-2 a live file; each file holds malformed lines.
 */
async function writeFixture(): Promise<{ files: string[]; events: TelemetryEvent[] }> {
  await mkdir(path.join(dir, 'api-1'));
  await mkdir(path.join(dir, 'api-2'));
  const rotated = withInstance(makeEvents(300, START, 400, 1), 'api-1');
  const live1 = withInstance(makeEvents(200, START + 300 * 400, 300, 2), 'api-1');
  const live2 = withInstance(makeEvents(250, START + 1000, 900, 3), 'api-2');
  await writeEvents(
    path.join(dir, 'api-1/telemetry.jsonl.20241126-000000-000.gz'),
    rotated,
    'not json\n',
  );
  await writeEvents(path.join(dir, 'api-1/telemetry.jsonl'), live1, '{"ts":1}\n');
  await writeEvents(path.join(dir, 'api-2/telemetry.jsonl'), live2, '\n{"ts":2,"action":"x"}\n');
  return {
    files: ['api-1/telemetry.jsonl', 'api-2/telemetry.jsonl'],
    events: [...rotated, ...live1, ...live2],
  };
}

interface ArchiveReport {
  files_read: number;
  rows: number;
  malformed: number;
  parquet_files: string[];
  deleted: string[];
}

async function archive(args: string[], env: Record<string, string> = {}) {
  const run = await runCli(['archive', '--out', 'archive', '--json', ...args], { cwd: dir, env });
  return { ...run, report: run.code === 0 ? (JSON.parse(run.stdout) as ArchiveReport) : undefined };
}

async function summarize(files: string[]) {
  const run = await runCli(['summarize', '--json', ...files], { cwd: dir });
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as {
    total: number;
    failures: number;
    malformed_lines: number;
    actions: Record<string, { count: number; failures: number }>;
  };
}

/** Per-action counts and failures, read back by DuckDB straight from the Parquet files. */
async function duckdbCounts(): Promise<Record<string, { count: number; failures: number }>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT action, count(*)::INTEGER AS count, (count(*) FILTER (WHERE NOT success))::INTEGER AS failures
       FROM read_parquet('${path.join(dir, 'archive')}/date=*/*.parquet') GROUP BY action`,
    );
    const counts: Record<string, { count: number; failures: number }> = {};
    for (const row of reader.getRowObjectsJson()) {
      counts[row.action as string] = {
        count: row.count as number,
        failures: row.failures as number,
      };
    }
    return counts;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function parquetFiles(): Promise<string[]> {
  const root = path.join(dir, 'archive');
  const files: string[] = [];
  for (const partition of await readdir(root)) {
    if (!partition.startsWith('date=')) continue;
    for (const file of await readdir(path.join(root, partition))) {
      files.push(path.join(root, partition, file));
    }
  }
  return files.sort();
}

function actionCounts(summary: Awaited<ReturnType<typeof summarize>>) {
  return Object.fromEntries(
    Object.entries(summary.actions).map(([action, { count, failures }]) => [
      action,
      { count, failures },
    ]),
  );
}

describe('eventkit archive', () => {
  it('writes every valid line once, with the counts summarize gives, and reports the malformed ones', async () => {
    const { files } = await writeFixture();
    const summary = await summarize(files);

    const { code, report, stderr } = await archive(files);

    expect(code).toBe(0);
    expect(report).toMatchObject({ files_read: 3, rows: summary.total });
    expect(report?.malformed).toBe(summary.malformed_lines);
    expect(summary.malformed_lines).toBe(4);
    expect(stderr).toContain('skipped 4 malformed lines');
    expect(await duckdbCounts()).toEqual(actionCounts(summary));
  });

  it('partitions by UTC day into zstd Parquet that an independent reader reads back exactly', async () => {
    const { files, events } = await writeFixture();
    await archive(files);

    const read: Array<Record<string, unknown>> = [];
    for (const file of await parquetFiles()) {
      const buffer = await asyncBufferFromFile(file);
      const metadata = await parquetMetadataAsync(buffer);
      expect(metadata.row_groups[0]?.columns[0]?.meta_data?.codec).toBe('ZSTD');
      const rows = await parquetReadObjects({ file: buffer, compressors });
      const day = path.basename(path.dirname(file));
      for (const row of rows) {
        expect(`date=${(row.ts as Date).toISOString().slice(0, 10)}`).toBe(day);
        read.push(row);
      }
    }
    const key = (row: { trace_id?: unknown; instance?: unknown }) =>
      `${row.instance}/${row.trace_id}`;
    read.sort((a, b) => key(a).localeCompare(key(b)));
    const expected = [...events].sort((a, b) => key(a).localeCompare(key(b)));
    expect(read).toEqual(
      expected.map((event) => ({
        ts: new Date(Math.round(event.ts * 1000)),
        action: event.action,
        success: event.success,
        latency_ms: event.latency_ms,
        error: event.error,
        trace_id: event.trace_id,
        instance: event.instance,
        payload: event.payload,
      })),
    );
  });

  it('adds nothing on a second run', async () => {
    const { files } = await writeFixture();
    await archive(files);
    const before = await parquetFiles();

    const { report } = await archive(files);

    expect(report).toMatchObject({ files_read: 0, rows: 0, parquet_files: [] });
    expect(await parquetFiles()).toEqual(before);
  });

  it('after appends and a rotation to .gz, archives only the new lines', async () => {
    const { files } = await writeFixture();
    await archive(files);
    const live = path.join(dir, 'api-1/telemetry.jsonl');
    await appendFile(live, toJsonl(withInstance(makeEvents(40, START + 200_000, 60, 4), 'api-1')));
    // A rotation: the live file is moved aside and compressed, a new one started.
    await writeFile(`${live}.20241128-000000-000.gz`, gzipSync(await readFile(live)));
    await unlink(live);
    await writeEvents(live, withInstance(makeEvents(10, START + 250_000, 60, 5), 'api-1'));

    const { report } = await archive(files);

    expect(report).toMatchObject({ rows: 50, malformed: 0 });
    const summary = await summarize(files);
    expect(await duckdbCounts()).toEqual(actionCounts(summary));
  });

  it('leaves a partly written last line for the next run', async () => {
    const live = path.join(dir, 'telemetry.jsonl');
    const [first, second] = toJsonl(makeEvents(2, START)).split(/(?<=\n)/);
    await writeEvents(live, []);
    await appendFile(live, `${first}${second?.slice(0, 20)}`);
    expect((await archive([])).report).toMatchObject({ rows: 1, malformed: 0 });

    await appendFile(live, second?.slice(20) ?? '');

    expect((await archive([])).report).toMatchObject({ rows: 1, malformed: 0 });
    expect(Object.values(await duckdbCounts()).reduce((n, a) => n + a.count, 0)).toBe(2);
  });

  it('gives exact counts when re-run after a run killed between writing two Parquet files', async () => {
    const { files } = await writeFixture();
    const summary = await summarize(files);

    const killed = await archive(files, { EVENTKIT_ARCHIVE_TEST_CRASH: 'after-first-file' });
    expect(killed.code).toBeNull();
    expect((await parquetFiles()).length).toBe(1);

    const { report } = await archive(files);

    expect(report?.rows).toBe(summary.total);
    expect(await duckdbCounts()).toEqual(actionCounts(summary));
    expect(await readdir(path.join(dir, 'archive'))).not.toContain('.eventkit-archive.lock');
  });

  it('--delete-archived removes the archived .gz files only, after reading the archive back', async () => {
    const { files } = await writeFixture();
    const gz = path.join(dir, 'api-1/telemetry.jsonl.20241126-000000-000.gz');

    const { report } = await archive([...files, '--delete-archived']);

    expect(report?.deleted).toEqual([gz]);
    expect(existsSync(gz)).toBe(false);
    expect(existsSync(path.join(dir, 'api-1/telemetry.jsonl'))).toBe(true);
  });

  it('--delete-archived keeps every .gz when the archive does not read back whole (exit 1)', async () => {
    const { files } = await writeFixture();
    await archive(files);
    await unlink((await parquetFiles())[0] as string);
    const gz = path.join(dir, 'api-1/telemetry.jsonl.20241126-000000-000.gz');

    const run = await runCli(['archive', '--out', 'archive', '--delete-archived', ...files], {
      cwd: dir,
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read the archive back .*no \.gz file was deleted/);
    expect(existsSync(gz)).toBe(true);
  });

  it("archives the Python Event Kit's lines under our column names", async () => {
    const summary = await summarize([PYTHON_FIXTURE]);

    const { report } = await archive([PYTHON_FIXTURE, '--no-rotated']);

    expect(report?.rows).toBe(summary.total);
    expect(await duckdbCounts()).toEqual(actionCounts(summary));
  });

  it('refuses a directory whose manifest is not an archive manifest (exit 3)', async () => {
    await mkdir(path.join(dir, 'archive'));
    await appendFile(path.join(dir, 'archive/_eventkit_archive.json'), '{"version":7}');
    await writeEvents(path.join(dir, 'telemetry.jsonl'), makeEvents(3, START));

    const run = await runCli(['archive', '--out', 'archive'], { cwd: dir });

    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('not an eventkit archive manifest');
  });
});

describe('eventkit sql', () => {
  const count = 'SELECT count(*) AS n FROM telemetry';

  it('covers the archive and the live lines it does not hold yet, each line once', async () => {
    const { files } = await writeFixture();
    await archive(files);
    await appendFile(
      path.join(dir, 'api-2/telemetry.jsonl'),
      toJsonl(withInstance(makeEvents(7, START + 300_000, 60, 6), 'api-2')),
    );
    const summary = await summarize(files);

    const run = await runCli(['sql', count, '--archive', 'archive', '--json', ...files], {
      cwd: dir,
    });

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`{"n":${summary.total}}\n`);
  });

  it('answers the per-action question as summarize does, over live files alone', async () => {
    const { files } = await writeFixture();
    const summary = await summarize(files);

    const run = await runCli(
      [
        'sql',
        'SELECT action, count(*) AS count, count(*) FILTER (WHERE NOT success) AS failures FROM telemetry GROUP BY action ORDER BY action',
        '--json',
        ...files,
      ],
      { cwd: dir },
    );

    const rows = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; count: number; failures: number });
    expect(Object.fromEntries(rows.map(({ action, ...counts }) => [action, counts]))).toEqual(
      actionCounts(summary),
    );
    expect(run.stderr).toContain('skipped 4 malformed lines');
  });

  it.each([
    ['a table', [], 'instance  n\n--------  -\napi-1     2\napi-2     1\n(2 rows)\n'],
    ['CSV', ['--csv'], 'instance,n\r\napi-1,2\r\napi-2,1\r\n'],
    ['JSON lines', ['--json'], '{"instance":"api-1","n":2}\n{"instance":"api-2","n":1}\n'],
  ])('prints %s', async (_name, flags, expected) => {
    await writeEvents(path.join(dir, 'telemetry.jsonl'), [
      ...withInstance(makeEvents(2, START), 'api-1'),
      ...withInstance(makeEvents(1, START), 'api-2'),
    ]);

    const run = await runCli(
      ['sql', 'SELECT instance, count(*) AS n FROM telemetry GROUP BY 1 ORDER BY 1', ...flags],
      { cwd: dir },
    );

    expect(run.stdout).toBe(expected);
  });

  it('gives a payload as JSON, to query with DuckDB’s JSON operators', async () => {
    await writeEvents(path.join(dir, 'telemetry.jsonl'), makeEvents(1, START));

    const run = await runCli(
      ['sql', "SELECT payload->>'source' AS source, payload FROM telemetry", '--json'],
      { cwd: dir },
    );

    expect(JSON.parse(run.stdout)).toEqual({
      source: 'manifest',
      payload: { interests_count: 1, top: 3, source: 'manifest' },
    });
  });

  it('reports a query DuckDB rejects on one line, as a usage error (exit 2)', async () => {
    await writeEvents(path.join(dir, 'telemetry.jsonl'), makeEvents(1, START));

    const run = await runCli(['sql', 'SELEC action FROM telemetry'], { cwd: dir });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^eventkit: sql: Parser Error: syntax error at or near "SELEC"/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 3 when a Parquet file the manifest lists is gone', async () => {
    const { files } = await writeFixture();
    await archive(files);
    await unlink((await parquetFiles())[0] as string);

    const run = await runCli(['sql', count, '--archive', 'archive'], { cwd: dir });

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^eventkit: .*archive: cannot read the archive: IO Error/);
  });

  it('exits 3 for a directory that holds no archive', async () => {
    const run = await runCli(['sql', count, '--archive', 'nowhere'], { cwd: dir });

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no eventkit archive here');
  });
});
