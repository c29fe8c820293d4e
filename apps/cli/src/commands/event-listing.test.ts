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

  it("merges every instance's files by time, each after its archives, as jq's sort_by(.ts) does", async () => {
    const { dir: host, cleanup: done } = await createTempDir();
    try {
      // Two workers writing at once (even and odd seconds), the first with an archive.
      const w1 = makeEvents(200, START, 2, 21).map((event) => ({ ...event, instance: 'h-w1' }));
      const w2 = makeEvents(200, START + 1, 2, 22).map((event) => ({ ...event, instance: 'h-w2' }));
      await writeEvents(
        path.join(host, 'telemetry-w1.jsonl.20241120-000000-000.gz'),
        w1.slice(0, 50),
      );
      await writeEvents(path.join(host, 'telemetry-w1.jsonl'), w1.slice(50));
      await writeEvents(path.join(host, 'telemetry-w2.jsonl'), w2);
      const run = await runCli(['query', '--failed'], { cwd: host });
      expect(run.stderr).toBe('');
      const expected = await sh(
        `zcat -f telemetry-w1.jsonl.20241120-000000-000.gz telemetry-w1.jsonl telemetry-w2.jsonl | jq -s -c 'sort_by(.ts) | .[] | select(.success == false)'`,
        host,
      );
      expect(run.stdout).toBe(expected);
      expect(
        new Set(
          run.stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l).instance),
        ),
      ).toEqual(new Set(['h-w1', 'h-w2']));
    } finally {
      await done();
    }
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

  it('-n 0 prints nothing and exits 0', async () => {
    const run = await runCli(['tail', '-n', '0'], { cwd: dir });
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: '' });
  });

  it('-f prints appended events and follows the file across a rotation', async () => {
    const { file, tail, done } = await startTail(['-f', '--poll-ms', '50']);
    const [first, second, third] = [
      makeEvents(1, START, 1, 21),
      makeEvents(1, START + 1, 1, 22),
      makeEvents(1, START + 2, 1, 23),
    ];
    try {
      await writeEvents(file, first ?? []);
      await tail.seen(1);
      await appendFile(file, toJsonl(second ?? []));
      await tail.seen(2);
      await rename(file, `${file}.1`);
      await writeEvents(file, third ?? []);
      await tail.seen(3);
      expect(tail.out()).toBe(toJsonl([...(first ?? []), ...(second ?? []), ...(third ?? [])]));
    } finally {
      await done();
    }
  });

  it('-f -n 0 prints none of the existing events, only the ones added since', async () => {
    const events = makeEvents(60, START, 1, 24);
    const { file, tail, done } = await startTail(['-f', '-n', '0', '--poll-ms', '20'], {
      initial: toJsonl(events.slice(0, 3)),
    });
    try {
      // tail gives no sign of having started: add one event at a time until it prints.
      let next = 3;
      while (tail.out() === '' && next < events.length) {
        await appendFile(file, toJsonl(events.slice(next, ++next)));
        await tail.printedWithin(100);
      }
      expect(tail.out()).not.toBe('');
      await appendFile(file, toJsonl(events.slice(next, ++next)));
      const first = events.findIndex((event) => tail.out().startsWith(toJsonl([event])));
      await tail.seen(next - first);
      expect(first).toBeGreaterThanOrEqual(3);
      expect(tail.out()).toBe(toJsonl(events.slice(first, next)));
    } finally {
      await done();
    }
  });

  it('-f keeps multi-byte characters that straddle two reads intact', async () => {
    const READ = 1024 * 1024;
    const eventsWith = (pad: number) =>
      makeEvents(6000, START, 1, 25).map((event, i) => ({
        ...event,
        error: `${i === 0 ? 'x'.repeat(pad) : ''}échec ✓ ${'🙂'.repeat(40)} 日本語`,
      }));
    // Pad the first event until the first 1 MiB read ends inside a character, whether tail
    // reads from byte 0 or from byte 10 (the partial line it may have seen first).
    const unpadded = Buffer.from(toJsonl(eventsWith(0)));
    const insideCharacter = (at: number) => ((unpadded[at] ?? 0) & 0xc0) === 0x80;
    let pad = 0;
    while (!(insideCharacter(READ - pad) && insideCharacter(READ + 10 - pad))) pad++;
    const text = toJsonl(eventsWith(pad));
    const { file, tail, done } = await startTail(['-f', '-n', '100000', '--poll-ms', '20'], {
      initial: text.slice(0, 10),
    });
    try {
      await appendFile(file, text.slice(10));
      await tail.seen(6000);
      expect(tail.out()).not.toContain('\uFFFD');
      expect(tail.out()).toBe(text);
    } finally {
      await done();
    }
  });
});

/** Runs `eventkit tail …` in a fresh directory, with `initial` (if given) as telemetry.jsonl. */
async function startTail(args: string[], { initial }: { initial?: string } = {}) {
  const { dir: followDir, cleanup } = await createTempDir();
  const file = path.join(followDir, 'telemetry.jsonl');
  if (initial !== undefined) await writeFile(file, initial);
  const child = spawn(process.execPath, [CLI, 'tail', ...args], {
    cwd: followDir,
    env: { PATH: process.env.PATH, NO_COLOR: '1' },
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const seen = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (out.split('\n').filter(Boolean).length >= count) resolve();
        else child.stdout.once('data', check);
      };
      check();
    });
  /** Resolves at the next output, or after `ms` without any. */
  const printedWithin = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        child.stdout.off('data', finish);
        resolve();
      }
      child.stdout.once('data', finish);
    });
  const done = async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));
    await cleanup();
  };
  return { file, tail: { seen, printedWithin, out: () => out }, done };
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function jq(filter: string): Promise<string> {
  return sh(`jq -c '${filter}' telemetry.jsonl`, dir);
}
