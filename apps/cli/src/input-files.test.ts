import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  createTempDir,
  makeEvents,
  runCli,
  sh,
  tempDir,
  toJsonl,
  writeEvents,
} from './test-support/run-cli.js';

const START = 1_732_540_000;
let dir: string;
let cleanup: () => Promise<void>;
let file: string;
let text: string;

beforeAll(async () => {
  ({ dir, cleanup } = await createTempDir());
  file = path.join(dir, 'telemetry.jsonl');
  const events = makeEvents(3000, START);
  text = toJsonl(events);
  await writeEvents(file, events);
});
afterAll(() => cleanup());

describe('- among FILES: standard input', () => {
  it.each([
    ['summarize', ['summarize', '--json']],
    ['slow', ['slow', '--threshold', '100']],
    ['query', ['query', '--action', 'explain', '--failed']],
    ['errors', ['errors', '--since', String(START + 100)]],
    ['tail', ['tail', '-n', '5']],
  ])('%s - prints what %s prints on the same file', async (_name, args) => {
    const fromFile = await runCli([...args, file], { cwd: dir });
    const fromStdin = await runCli([...args, '-'], { cwd: dir, input: text });
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout.length).toBeGreaterThan(100);
    expect(fromStdin).toStrictEqual(fromFile);
  });

  it('reads gzip data on standard input, told by its first bytes', async () => {
    const fromFile = await runCli(['summarize', '--json', file], { cwd: dir });
    const fromGzip = await runCli(['summarize', '--json', '-'], {
      cwd: dir,
      input: gzipSync(text),
    });
    expect(fromGzip.code).toBe(0);
    expect(JSON.parse(fromGzip.stdout)).toStrictEqual(JSON.parse(fromFile.stdout));
  });

  it('takes one eventkit command piped into another', async () => {
    const piped = await sh(
      `"${process.execPath}" "${CLI}" query --action recommend '${file}' | "${process.execPath}" "${CLI}" summarize --json -`,
      dir,
    );
    const direct = await runCli(['summarize', '--json', file], { cwd: dir });
    const recommend = JSON.parse(direct.stdout).actions.recommend;
    const summary = JSON.parse(piped);
    expect(Object.keys(summary.actions)).toStrictEqual(['recommend']);
    expect(summary.actions.recommend).toStrictEqual({ ...recommend, share: 100 });
  });

  it('mixes standard input with files, in the order given', async () => {
    const older = path.join(dir, 'older.jsonl');
    await writeEvents(older, makeEvents(100, START - 1000, 1, 2), 'not json\n');
    const both = await runCli(['summarize', '--json', '-', older], {
      cwd: dir,
      input: 'bad\n',
    });
    const summary = JSON.parse(both.stdout);
    expect(summary.total).toBe(100);
    expect(summary.first_malformed.map((m: { file: string }) => m.file)).toStrictEqual([
      '<stdin>',
      older,
    ]);
  });

  it.each([
    ['metrics', ['metrics', '--json']],
    ['slo', ['slo', '--json']],
    ['alert', ['alert', '--json', '--error-rate', '50%']],
  ])('%s - answers as %s on the same recent file', async (_name, args) => {
    const recent = path.join(dir, 'recent.jsonl');
    const events = makeEvents(500, Math.floor(Date.now() / 1000) - 1800);
    await writeEvents(recent, events);
    const strip = (out: string) => out.replace(/"time": "[^"]*"|"files": \[[^\]]*\]/g, '');
    const fromFile = await runCli([...args, recent], { cwd: dir });
    const fromStdin = await runCli([...args, '-'], { cwd: dir, input: toJsonl(events) });
    expect(fromStdin.code).toBe(fromFile.code);
    expect(fromFile.stdout).toMatch(/"total_requests": 500|"alerting"/);
    expect(strip(fromStdin.stdout)).toBe(strip(fromFile.stdout));
  });

  it('names malformed lines on standard input <stdin>, with their line number', async () => {
    const input = `${text.split('\n').slice(0, 2).join('\n')}\nnot json\n`;
    const query = await runCli(['query', '-'], { cwd: dir, input });
    expect(query.code).toBe(0);
    expect(query.stderr).toBe(
      'eventkit: skipped 1 malformed line (first at <stdin>:3: invalid JSON)\n',
    );
    const summary = await runCli(['summarize', '-'], { cwd: dir, input });
    expect(summary.stdout).toContain('first at <stdin>:3 (invalid JSON)');
  });

  it.each([
    [['tail', '-f', '-'], /tail: -f follows a file .* standard input \(-\) cannot be followed/],
    [['summarize', '-', '-'], /standard input \(-\) can be read only once/],
    [
      ['alert', '--max-failures', '1', '--error-rate', '5', '-'],
      /alert: standard input \(-\) can be read only once/,
    ],
  ])('refuses %j as a usage error (exit 2) with one clear line', async (args, message) => {
    const run = await runCli(args, { cwd: dir, input: text });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('streams: query prints events while standard input is still open', async () => {
    const child = spawn(process.execPath, [CLI, 'query', '-'], {
      cwd: dir,
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // More than the output's 64 KB batch: the first events must come out before input ends.
    child.stdin.write(text);
    const first = await new Promise<string>((resolve) =>
      child.stdout.setEncoding('utf8').once('data', resolve),
    );
    expect(child.stdin.writableEnded).toBe(false);
    expect(first.startsWith(text.slice(0, 100))).toBe(true);
    child.stdin.end();
    child.stdout.resume();
    expect(await closed).toBe(0);
  });

  it('--help of the analysis commands says - reads standard input', async () => {
    for (const command of ['summarize', 'metrics', 'slo', 'slow', 'errors', 'query', 'alert']) {
      const help = await runCli([command, '--help'], { cwd: dir });
      expect(help.stdout, command).toMatch(/- reads\s+standard\s+input/);
    }
    const tail = await runCli(['tail', '--help'], { cwd: dir });
    expect(tail.stdout).toMatch(/- reads\s+standard\s+input,\s+without\s+-f/);
  });
});

describe('- with sql and archive', () => {
  it('sql reads standard input as the table telemetry', async () => {
    const run = await runCli(['sql', '--json', 'SELECT count(*) AS n FROM telemetry', '-'], {
      cwd: dir,
      input: gzipSync(text),
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toStrictEqual({ n: 3000 });
  });

  it('archive records standard input as <stdin> and takes only new lines next time', async () => {
    const out = path.join(dir, 'archive');
    const first = await runCli(['archive', '--json', '--out', out, '-'], {
      cwd: dir,
      input: gzipSync(text),
    });
    expect(JSON.parse(first.stdout).rows).toBe(3000);
    const more = toJsonl(makeEvents(10, START + 5000, 1, 3));
    const second = await runCli(['archive', '--json', '--out', out, '-'], {
      cwd: dir,
      input: text + more,
    });
    expect(JSON.parse(second.stdout).rows).toBe(10);
    const count = await runCli(
      ['sql', '--json', '--archive', out, 'SELECT count(*) AS n FROM telemetry'],
      { cwd: dir },
    );
    expect(JSON.parse(count.stdout)).toStrictEqual({ n: 3010 });
  });
});

describe('reading from a file still works as before', () => {
  it('a file named - in the directory is read with ./-', async () => {
    await writeFile(path.join(dir, '-'), text);
    const run = await runCli(['summarize', '--json', './-'], { cwd: dir });
    expect(JSON.parse(run.stdout).total).toBe(3000);
  });
});

describe("without FILES: every instance's files, archives included", () => {
  /** A host running the agent with two workers, after one worker's file and the main one rotated. */
  async function fleet() {
    const host = await tempDir();
    const main = makeEvents(50, START, 1, 11);
    const mainArchive = makeEvents(30, START - 100, 1, 12);
    const w1 = makeEvents(40, START + 1, 1, 13);
    const w1Archive = makeEvents(20, START - 50, 1, 14);
    const w2 = makeEvents(25, START + 2, 1, 15);
    await writeEvents(path.join(host, 'telemetry.jsonl'), main);
    await writeEvents(path.join(host, 'telemetry.jsonl.20241120-000000-000.gz'), mainArchive);
    await writeEvents(path.join(host, 'telemetry-w1.jsonl'), w1);
    await writeEvents(path.join(host, 'telemetry-w1.jsonl.20241120-000000-000.gz'), w1Archive);
    await writeEvents(path.join(host, 'telemetry-w2.jsonl'), w2);
    return { host, total: 50 + 30 + 40 + 20 + 25, live: 50 + 40 + 25 };
  }

  it.each([
    ['summarize', ['summarize', '--json'], (out: string) => JSON.parse(out).total],
    ['query', ['query'], (out: string) => out.split('\n').filter(Boolean).length],
    [
      'sql',
      ['sql', '--json', 'SELECT count(*) AS n FROM telemetry'],
      (out: string) => JSON.parse(out).n,
    ],
  ])(
    '%s reads the main file, each worker file and the archives of each',
    async (_name, args, count) => {
      const { host, total } = await fleet();
      const run = await runCli(args, { cwd: host });
      expect(run.code, run.stderr).toBe(0);
      expect(count(run.stdout)).toBe(total);
    },
  );

  it('gives what the same files named explicitly give', async () => {
    const { host } = await fleet();
    const byDefault = await runCli(['summarize', '--json'], { cwd: host });
    const named = await runCli(
      ['summarize', '--json', 'telemetry.jsonl', 'telemetry-w1.jsonl', 'telemetry-w2.jsonl'],
      { cwd: host },
    );
    expect(JSON.parse(byDefault.stdout)).toStrictEqual(JSON.parse(named.stdout));
  });

  it('--no-rotated reads every live file only', async () => {
    const { host, live } = await fleet();
    const run = await runCli(['summarize', '--json', '--no-rotated'], { cwd: host });
    expect(JSON.parse(run.stdout).total).toBe(live);
  });

  it('explicit FILES are read as given: only the named file and its archives', async () => {
    const { host } = await fleet();
    const run = await runCli(['summarize', '--json', 'telemetry.jsonl'], { cwd: host });
    expect(JSON.parse(run.stdout).total).toBe(50 + 30);
  });

  it("still reads the main file's archives once only workers write", async () => {
    const { host, total } = await fleet();
    await rm(path.join(host, 'telemetry.jsonl'));
    const run = await runCli(['summarize', '--json'], { cwd: host });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).total).toBe(total - 50);
  });

  it('--help of the analysis commands says so', async () => {
    for (const command of [
      'summarize',
      'metrics',
      'slo',
      'slow',
      'errors',
      'query',
      'alert',
      'sql',
      'archive',
      'tail',
    ]) {
      const help = await runCli([command, '--help'], { cwd: dir });
      expect(help.stdout.replace(/\s+/g, ' '), command).toContain("every instance's");
    }
  });
});
