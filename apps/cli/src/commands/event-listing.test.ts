import { spawn } from 'node:child_process';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  createTempDir,
  JQ_VALID_EVENTS,
  makeEvents,
  runCli,
  sh,
  toJsonl,
  writeEvents,
} from '../test-support/run-cli.js';

const START = 1_732_540_000;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await createTempDir());
  await writeEvents(path.join(dir, 'telemetry.jsonl'), makeEvents(800, START, 2, 7));
  await writeEvents(
    path.join(dir, 'telemetry.jsonl.20241120-000000-000.gz'),
    makeEvents(300, START - 1000, 1, 8),
  );
  await writeFile(
    path.join(dir, 'dirty.jsonl'),
    `${toJsonl(makeEvents(100, START, 1, 9))}{"broken\n${toJsonl(makeEvents(100, START + 200, 1, 10))}`,
  );
});

afterAll(async () => {
  await cleanup();
});

describe('eventkit slow', () => {
  it("prints exactly the seed's jq slow-request lines", async () => {
    const run = await runCli(['slow', '--no-rotated'], { cwd: dir });
    expect(run.code).toBe(0);
    const jqLines = await sh(
      `jq 'select(.latency_ms > 100)' telemetry.jsonl | jq -r '"\\(.action): \\(.latency_ms)ms - \\(.payload)"'`,
      dir,
    );
    expect(jqLines.split('\n').length).toBeGreaterThan(10);
    expect(run.stdout).toBe(jqLines);
  });

  it('honours --threshold and includes .gz archives by default', async () => {
    const run = await runCli(['slow', '--threshold', '30', '--json'], { cwd: dir });
    const expected = await sh(
      `{ zcat telemetry.jsonl.*.gz; cat telemetry.jsonl; } | jq -c 'select(.latency_ms > 30)'`,
      dir,
    );
    expect(run.stdout).toBe(expected);
  });
});

describe('eventkit query', () => {
  it('filters on action, success and latency like jq select', async () => {
    const run = await runCli(
      ['query', '--action', 'recommend,explain', '--failed', '--min-latency', '10', '--no-rotated'],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const expected = await jq(
      'select((.action == "recommend" or .action == "explain") and .success == false and .latency_ms >= 10)',
    );
    expect(run.stdout).toBe(expected);
    expect(run.stdout.length).toBeGreaterThan(0);
  });

  it('filters on time with ISO --since/--until, and stops at --limit', async () => {
    const since = START + 400;
    const until = START + 600;
    const run = await runCli(
      ['query', '--no-rotated', '--since', iso(since), '--until', iso(until)],
      { cwd: dir },
    );
    expect(run.stdout).toBe(await jq(`select(.ts >= ${since} and .ts < ${until})`));
    const limited = await runCli(['query', '--no-rotated', '--limit', '3'], { cwd: dir });
    expect(limited.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('skips malformed lines, says so on stderr, and keeps stdout valid JSONL', async () => {
    const run = await runCli(['query', 'dirty.jsonl', '--success'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'skipped 1 malformed line (first at dirty.jsonl:101: invalid JSON)',
    );
    const expected = await sh(
      `jq -R -c '${JQ_VALID_EVENTS} | select(.success == true)' dirty.jsonl`,
      dir,
    );
    expect(run.stdout).toBe(expected);
  });

  it('rejects contradictory filters as a usage error', async () => {
    const run = await runCli(['query', '--success', '--failed'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--success and --failed');
  });
});

describe('eventkit errors', () => {
  it("lists failed events like the seed's errors query", async () => {
    const since = START + 1200;
    const run = await runCli(['errors', '--since', iso(since)], { cwd: dir });
    expect(run.code).toBe(0);
    const expected = await sh(
      `{ zcat telemetry.jsonl.*.gz; cat telemetry.jsonl; } | jq -c --arg now ${since + 3600} 'select(.success == false and .ts >= ($now | tonumber - 3600))'`,
      dir,
    );
    expect(run.stdout).toBe(expected);
  });
});

describe('eventkit tail', () => {
  it('prints the last n events like tail -n | jq -c', async () => {
    const run = await runCli(['tail', '-n', '5'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await sh('tail -n 5 telemetry.jsonl | jq -c .', dir));
  });

  it('exits 3 naming a missing file', async () => {
    const run = await runCli(['tail', 'nope.jsonl'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('nope.jsonl');
  });

  it('-f prints appended events and follows the file across a rotation', async () => {
    const { dir: followDir, cleanup: done } = await createTempDir();
    const file = path.join(followDir, 'telemetry.jsonl');
    const [first, second, third] = [
      makeEvents(1, START, 1, 21),
      makeEvents(1, START + 1, 1, 22),
      makeEvents(1, START + 2, 1, 23),
    ];
    await writeEvents(file, first ?? []);
    const child = spawn(process.execPath, [CLI, 'tail', '-f', '--poll-ms', '50'], {
      cwd: followDir,
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
    });
    let out = '';
    const seen = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (out.split('\n').filter(Boolean).length >= count) resolve();
          else child.stdout.once('data', check);
        };
        check();
      });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    try {
      await seen(1);
      await appendFile(file, toJsonl(second ?? []));
      await seen(2);
      await rename(file, `${file}.1`);
      await writeEvents(file, third ?? []);
      await seen(3);
      expect(out).toBe(toJsonl([...(first ?? []), ...(second ?? []), ...(third ?? [])]));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
      await done();
    }
  });
});

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function jq(filter: string): Promise<string> {
  return sh(`jq -c '${filter}' telemetry.jsonl`, dir);
}
