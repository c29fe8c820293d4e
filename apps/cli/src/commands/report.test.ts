import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TelemetrySummary } from '@eventkit/core/analysis';
import { describe, expect, it } from 'vitest';
import {
  mixedTelemetry,
  regressionTelemetry,
  START,
  shownNumbers,
  summaryNumbers,
  WEEK,
} from '../report/test-support/report-fixtures.js';
import { makeEvents, runCli, tempDir, toJsonl } from '../test-support/run-cli.js';

async function summarize(args: string[], cwd: string, input?: string): Promise<TelemetrySummary> {
  const run = await runCli(['summarize', '--json', ...args], { cwd, input });
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as TelemetrySummary;
}

async function report(args: string[], cwd: string, input?: string): Promise<string> {
  const run = await runCli(['report', '--html', 'out.html', ...args], { cwd, input });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return readFile(path.join(cwd, 'out.html'), 'utf8');
}

/** Every summary number is shown, and shown with summarize's value. */
function expectSameNumbers(html: string, summary: TelemetrySummary): void {
  const shown = shownNumbers(html);
  for (const [metric, value] of summaryNumbers(summary)) {
    expect({ metric, value: shown.get(metric) }).toEqual({ metric, value });
  }
}

describe('eventkit report', () => {
  it('shows the numbers of summarize --json for the same files: rotated and .gz archives, malformed lines, gaps', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'telemetry.jsonl'), mixedTelemetry());
    await writeFile(
      path.join(dir, 'telemetry.jsonl.1.gz'),
      gzipSync(toJsonl(makeEvents(1500, START - 10_000, 3, 7))),
    );
    const summary = await summarize([], dir);
    expect(summary.malformed_lines).toBe(2);
    expect(summary.gaps.dropped).toBe(42);
    const html = await report([], dir);
    expectSameNumbers(html, summary);
    expect(html).toContain('42 events not recorded (ENOSPC: disk full)');
    for (const m of summary.first_malformed)
      expect(html).toContain(`${m.file}:${m.line}</code> ${m.reason}`);
  });

  it.each([
    ['--since and --until', ['--since', `${START + 1000}`, '--until', `${START + 4000}`], 1],
    // The gap record is written after --until, but the events it lost fall before it.
    ['--until only', ['--until', `${START + 1995}`], 1],
    ['--since after the gap', ['--since', `${START + 2001}`], 0],
  ])('takes the events and gaps summarize takes with %s', async (_, range, gapRecords) => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'telemetry.jsonl'), mixedTelemetry());
    const summary = await summarize(range, dir);
    expect(summary.total).toBeGreaterThan(0);
    expect(summary.gaps.records).toBe(gapRecords);
    expectSameNumbers(await report(range, dir), summary);
  });

  it('reads standard input with -, as summarize does', async () => {
    const dir = await tempDir();
    const input = mixedTelemetry(800);
    const summary = await summarize(['-'], dir, input);
    expectSameNumbers(await report(['-'], dir, input), summary);
  });

  it('--html - writes the page to standard output, and nothing else', async () => {
    const dir = await tempDir();
    const input = mixedTelemetry(300);
    const run = await runCli(['report', '-', '--html', '-'], { cwd: dir, input });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^<!doctype html>\n[\s\S]*<\/html>\n$/);
    expectSameNumbers(run.stdout, await summarize(['-'], dir, input));
  });

  it('escapes telemetry text: an error message that is a script is shown as text', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'telemetry.jsonl'), mixedTelemetry());
    const html = await report([], dir);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img src=x>');
    expect(html).toContain(
      '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;',
    );
    expect(html).toContain('trace-&lt;img src=x&gt;');
  });

  it('keeps a long input to at most 200 buckets a chart and a small file', async () => {
    const dir = await tempDir();
    // A month, one request every 20 s: 130,000 lines.
    await writeFile(path.join(dir, 'telemetry.jsonl'), toJsonl(makeEvents(130_000, START, 20)));
    const html = await report([], dir);
    const points = [...html.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map(
      (m) => (m[1] as string).split(' ').length,
    );
    expect(points.length).toBeGreaterThan(0);
    expect(Math.max(...points)).toBeLessThanOrEqual(200);
    expect(Math.max(...points)).toBeGreaterThan(50);
    expect(Buffer.byteLength(html)).toBeLessThan(1024 * 1024);
  });

  it('--compare previous with --since marks the action whose p95 doubled as a regression', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'telemetry.jsonl'), regressionTelemetry());
    const range = ['--since', `${START + WEEK}`, '--until', `${START + 2 * WEEK}`];
    const html = await report([...range, '--compare', 'previous'], dir);
    expectSameNumbers(html, await summarize(range, dir));
    const shown = shownNumbers(html);
    const before = await summarize(['--since', `${START}`, '--until', `${START + WEEK}`], dir);
    expect(shown.get('previous.actions.recommend.p95_ms')).toBe(before.actions.recommend?.p95_ms);
    expect(html).toMatch(/data-change="actions\.recommend\.p95_ms" data-direction="regression"/);
    expect(html).toMatch(/data-change="actions\.explain\.p95_ms" data-direction="same"/);
  });

  it('--compare previous without --since compares the later half of the data with the earlier half', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'telemetry.jsonl'), regressionTelemetry());
    const run = await runCli(['report', '--compare', 'previous'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Wrote eventkit-report\.html \(.+\): [\d,]+ requests, \d+ regressions? against the previous period\n$/,
    );
    const html = await readFile(path.join(dir, 'eventkit-report.html'), 'utf8');
    const since = /data-since="(\d+)"/.exec(html)?.[1] as string;
    const until = /data-until="(\d+)"/.exec(html)?.[1] as string;
    expect(Math.abs(Number(since) - (START + WEEK))).toBeLessThanOrEqual(3 * 3600);
    expectSameNumbers(html, await summarize(['--since', since, '--until', until], dir));
    expect(html).toMatch(/data-change="actions\.recommend\.p95_ms" data-direction="regression"/);
  });

  it.each([
    ['a missing file', ['missing.jsonl'], 3, /missing\.jsonl.*no such file/i],
    ['an unknown --compare period', ['--compare', 'last-year'], 2, /--compare.*previous/],
    [
      '--since after --until',
      ['--since', `${START + 10}`, '--until', `${START}`],
      2,
      /--since is not before --until/,
    ],
    [
      'a report path in a missing directory',
      ['--html', 'nowhere/r.html'],
      1,
      /nowhere\/r\.html: cannot write the report/,
    ],
  ])('fails on %s with one line and its exit code', async (_, args, code, message) => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'telemetry.jsonl'), toJsonl(makeEvents(10, START)));
    const run = await runCli(['report', ...args], { cwd: dir });
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(
      run.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('(add --help')).length,
    ).toBe(1);
  });

  it('--help explains the file and its flags', async () => {
    const run = await runCli(['report', '--help'], { cwd: await tempDir() });
    expect(run.code).toBe(0);
    for (const text of [
      '--html <file>',
      'eventkit-report.html',
      '--compare <period>',
      '--since',
      'summarize --json',
      'fetches nothing',
    ]) {
      expect(run.stdout).toContain(text);
    }
  });
});
