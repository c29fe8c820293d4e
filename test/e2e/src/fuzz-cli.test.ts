import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBin } from './bins.js';
import { validLine } from './test-support/telemetry-arbitraries.js';

const SEED = 5_150;
const RUNS = 50;

/** Flags that take a duration, a time, a number or a size, per command. */
const VALUED_FLAGS: Array<[command: string, flag: string, takesFile: boolean]> = [
  ['summarize', '--since', true],
  ['summarize', '--until', true],
  ['summarize', '--threads', true],
  ['metrics', '--window', true],
  ['slo', '--window', true],
  ['slow', '--threshold', true],
  ['errors', '--since', true],
  ['query', '--min-latency', true],
  ['query', '--max-latency', true],
  ['query', '--limit', true],
  ['query', '--until', true],
  ['tail', '--lines', true],
  ['tail', '--interval', true],
  ['alert', '--max-failures', true],
  ['alert', '--last', true],
  ['alert', '--error-rate', true],
  ['alert', '--p95-over', true],
  ['alert', '--window', true],
  ['rotate', '--max-size', true],
  ['rotate', '--keep-days', true],
  ['health', '--interval', false],
  ['health', '--timeout', false],
  ['health', '--count', false],
];

/** Values no duration, time, count or size parser should accept. */
const badValue = fc.oneof(
  fc.constantFrom(
    '',
    'abc',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e999',
    '1e999h',
    '5 parsecs',
    '∞',
    '1.5.3',
    '5mm',
    'h5',
    '--',
    '- 1',
    '12:xx',
    '2024-13-45T99:99:99Z',
    '٣h',
    '５m',
    '\u0001',
    '1\n2',
    'null',
    '[]',
    '{}',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map((s) => `z${s}`),
  fc.integer({ min: 400, max: 5000 }).map((n) => `9${'9'.repeat(n)}x`),
);

type Case = { args: string[]; kind: string };

function run(bin: string, args: string[], cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', EVENTKIT_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let telemetry: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'eventkit-fuzz-cli-'));
  telemetry = path.join(dir, 'telemetry.jsonl');
  await writeFile(telemetry, `${Array.from({ length: 50 }, (_, i) => validLine(i)).join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fuzz: eventkit flags and durations (built binary)', () => {
  it(`${RUNS} invalid invocations: each exits 2 with a one-line reason, never a stack trace`, async () => {
    const bin = builtBin('@eventkit/cli');
    const cases = fc.sample(
      fc.oneof(
        fc.tuple(fc.constantFrom(...VALUED_FLAGS), badValue).map(
          ([[command, flag, takesFile], value]): Case => ({
            kind: `${command} ${flag}`,
            args: [command, `${flag}=${value}`, ...(takesFile ? [telemetry] : [])],
          }),
        ),
        fc
          .tuple(
            fc.constantFrom('summarize', 'query', 'metrics', 'slow'),
            fc.stringMatching(/^[a-z][a-z-]{1,15}$/),
          )
          .map(
            ([command, flag]): Case => ({
              kind: 'unknown flag',
              args: [command, `--zz-${flag}`, telemetry],
            }),
          ),
        fc
          .stringMatching(/^[a-z]{3,12}$/)
          .map((name): Case => ({ kind: 'unknown command', args: [`zz${name}`] })),
      ),
      { seed: SEED, numRuns: RUNS },
    );
    const failures: string[] = [];
    const kinds: Record<string, number> = {};
    // Four at a time: each is a node process.
    for (let i = 0; i < cases.length; i += 4) {
      await Promise.all(
        cases.slice(i, i + 4).map(async ({ args, kind }) => {
          kinds[kind] = (kinds[kind] ?? 0) + 1;
          const result = await run(bin, args, dir);
          const shown = JSON.stringify(
            args
              .map((a) => (a.length > 60 ? `${a.slice(0, 60)}…` : a))
              .map((a) => a.replace(telemetry, 'telemetry.jsonl')),
          );
          if (result.code !== 2)
            failures.push(`${shown}: exit ${result.code} ${result.stderr.slice(0, 160)}`);
          else if (/\n\s+at |node:internal/.test(result.stderr))
            failures.push(`${shown}: stack trace`);
          else if (result.stderr.trim() === '') failures.push(`${shown}: no message`);
        }),
      );
    }
    process.stdout.write(`fuzz cli: ${cases.length} invocations ${JSON.stringify(kinds)}\n`);
    expect(failures).toEqual([]);
  }, 120_000);
});
