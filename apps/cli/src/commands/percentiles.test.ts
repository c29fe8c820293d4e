import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, makeEvents, runCli, sh, writeEvents } from '../test-support/run-cli.js';

// Every analysis command's percentiles, on the same files: summarize's (linear interpolation,
// exact) in summarize, the dashboard, slo and alert; the seed's sorted[int(n*q)] in metrics.

let dir: string;
let cleanup: () => Promise<void>;
/** Nobody listens there: the dashboard shows the service down and the telemetry all the same. */
const NO_AGENT = 'http://127.0.0.1:9';

interface ActionFigures {
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

async function summarizeJson(file: string, env: Record<string, string> = {}) {
  const run = await runCli(['summarize', '--json', file], { cwd: dir, env });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as { approximate: boolean; actions: Record<string, ActionFigures> };
}

const one = (value: number) => (Math.round(value * 10) / 10).toFixed(1);

beforeAll(async () => {
  ({ dir, cleanup } = await createTempDir());
  // 1,500 events over the last 40 minutes: inside every window below, and the dashboard's hour.
  const now = Date.now() / 1000;
  const events = makeEvents(1500, now - 2400, 1.5, 5);
  await writeEvents(path.join(dir, 'telemetry.jsonl'), events);
  await writeEvents(
    path.join(dir, 'recommend.jsonl'),
    events.filter((event) => event.action === 'recommend'),
  );
});

afterAll(async () => {
  await cleanup();
});

describe('percentiles', () => {
  it("summarize --json gives DuckDB's quantile_cont (through eventkit sql) per action", async () => {
    const summary = await summarizeJson('telemetry.jsonl');
    expect(summary.approximate).toBe(false);
    const run = await runCli(
      [
        'sql',
        'SELECT action, quantile_cont(latency_ms, 0.5) AS p50, quantile_cont(latency_ms, 0.95) AS p95, quantile_cont(latency_ms, 0.99) AS p99 FROM telemetry GROUP BY action ORDER BY action',
        '--csv',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split('\r\n').slice(1);
    expect(rows.length).toBe(Object.keys(summary.actions).length);
    for (const row of rows) {
      const [action, p50, p95, p99] = row.split(',');
      const ours = summary.actions[action as string];
      expect(ours?.p50_ms).toBeCloseTo(Number(p50), 9);
      expect(ours?.p95_ms).toBeCloseTo(Number(p95), 9);
      expect(ours?.p99_ms).toBeCloseTo(Number(p99), 9);
    }
  });

  it('are the same with the WebAssembly kernel and in JavaScript only (EVENTKIT_WASM=0)', async () => {
    const kernel = await summarizeJson('telemetry.jsonl');
    const javascript = await summarizeJson('telemetry.jsonl', { EVENTKIT_WASM: '0' });
    expect(javascript).toStrictEqual(kernel);
  });

  it("the dashboard shows summarize's p50 and p95 for every action", async () => {
    const summary = await summarizeJson('telemetry.jsonl');
    const run = await runCli(
      ['dashboard', '--once', '--url', NO_AGENT, '--file', 'telemetry.jsonl'],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(0);
    const rows = new Map(
      [...run.stdout.matchAll(/^(\S+)\s+[\d,]+\s+[\d,]+\s+[\d.]+%\s+([\d.]+)\s+([\d.]+)$/gm)].map(
        (match) => [match[1], [match[2], match[3]]],
      ),
    );
    expect([...rows.keys()].sort()).toEqual(Object.keys(summary.actions).sort());
    for (const [action, figures] of Object.entries(summary.actions)) {
      expect(rows.get(action)).toEqual([one(figures.p50_ms), one(figures.p95_ms)]);
    }
  });

  it("slo and alert quote summarize's percentiles (one action: all actions' are that action's)", async () => {
    const { recommend } = (await summarizeJson('recommend.jsonl')).actions;
    const slo = await runCli(['slo', '--json', '--window', '1h', 'recommend.jsonl'], { cwd: dir });
    const checks = JSON.parse(slo.stdout).checks as { name: string; actual: number }[];
    const actual = (name: string) => checks.find((check) => check.name === name)?.actual;
    expect(actual('latency_p50_max_ms')).toBe(recommend?.p50_ms);
    expect(actual('latency_p95_max_ms')).toBe(recommend?.p95_ms);
    expect(actual('latency_p99_max_ms')).toBe(recommend?.p99_ms);
    const alert = await runCli(
      ['alert', '--json', '--p95-over', '100000', '--window', '1h', 'recommend.jsonl'],
      { cwd: dir },
    );
    expect(alert.code).toBe(0);
    const p95 = JSON.parse(alert.stdout).checks.find(
      (check: { name: string }) => check.name === 'p95_latency',
    );
    expect(p95).toMatchObject({ value: recommend?.p95_ms, approximate: false });
  });

  it("metrics keeps the seed's sorted[int(n*q)] over all actions, as jq computes it", async () => {
    const run = await runCli(['metrics', '--json', '--window', '1h', 'telemetry.jsonl'], {
      cwd: dir,
    });
    const metrics = JSON.parse(run.stdout);
    const seed = JSON.parse(
      await sh(
        `jq -s -c '[.[].latency_ms] | sort | [.[(length*0.5|floor)], .[(length*0.95|floor)], .[(length*0.99|floor)]]' telemetry.jsonl`,
        dir,
      ),
    );
    expect([metrics.latency_p50, metrics.latency_p95, metrics.latency_p99]).toEqual(seed);
    expect(metrics.requests_per_second).toBe(1500 / 3600);
    expect(metrics.approximate).toBe(false);
  });

  it('past EVENTKIT_EXACT_LIMIT latencies, marks the approximate figures ≈ and says so', async () => {
    const env = { EVENTKIT_EXACT_LIMIT: '1000' };
    expect((await summarizeJson('telemetry.jsonl', env)).approximate).toBe(true);
    expect((await summarizeJson('recommend.jsonl', env)).approximate).toBe(false);
    const text = await runCli(['summarize', 'telemetry.jsonl'], { cwd: dir, env });
    expect(text.stdout).toMatch(/^ {2}recommend: p50=≈[\d.]+, p95=≈[\d.]+, p99=≈[\d.]+$/m);
    expect(text.stdout).toContain(
      '≈ percentiles are approximate (within 1%): more than 1,000 latencies in the window',
    );
    const metrics = await runCli(['metrics', '--window', '1h', 'telemetry.jsonl'], {
      cwd: dir,
      env,
    });
    expect(metrics.stdout).toMatch(/^Latency p95: +≈[\d.]+ms$/m);
    const json = await runCli(['metrics', '--json', '--window', '1h', 'telemetry.jsonl'], {
      cwd: dir,
      env,
    });
    expect(JSON.parse(json.stdout).approximate).toBe(true);
    const slo = await runCli(['slo', '--window', '1h', 'telemetry.jsonl'], { cwd: dir, env });
    expect(slo.stdout).toMatch(/Latency P95\s+<50ms\s+≈[\d.]+ms/);
    const dashboard = await runCli(
      ['dashboard', '--once', '--url', NO_AGENT, '--file', 'telemetry.jsonl'],
      { cwd: dir, env },
    );
    expect(dashboard.stdout).toMatch(
      /^recommend\s+[\d,]+\s+[\d,]+\s+[\d.]+%\s+≈[\d.]+\s+≈[\d.]+$/m,
    );
  });

  it.each(['lots', '0', '-5', '1.5'])(
    'rejects EVENTKIT_EXACT_LIMIT=%s as a usage error (exit 2)',
    async (value) => {
      const run = await runCli(['summarize', 'telemetry.jsonl'], {
        cwd: dir,
        env: { EVENTKIT_EXACT_LIMIT: value },
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `EVENTKIT_EXACT_LIMIT=${value}: expected a positive whole number`,
      );
    },
  );
});
