import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, makeEvents, runCli, sh, toJsonl } from '../test-support/run-cli.js';

let dir: string;
let cleanup: () => Promise<void>;

/** The fleet's file: three instances' lines and lines without one, interleaved, and one malformed. */
const INSTANCES = ['web1-w1', 'web1-w2', 'web2'];
/** jq's selection of one instance's lines; `(none)` selects the lines without an instance. */
/** Where jq puts one instance's lines (no parentheses: FILES takes globs). */
const fileOf = (name: string) => `${name === '(none)' ? 'none' : name}.jsonl`;
const selectInstance = (name: string) =>
  name === '(none)' ? 'select(.instance == null)' : `select(.instance == "${name}")`;

beforeAll(async () => {
  ({ dir, cleanup } = await createTempDir());
  // Within the last hour, so metrics and slo over --window 1h see every line.
  const start = Math.floor(Date.now() / 1000) - 3000;
  const events = makeEvents(4000, start, 0.5).map((event, i) => {
    const instance = INSTANCES[i % 4];
    // Uneven loads and latencies, so that no instance's figures equal another's.
    const latency_ms = Math.round(event.latency_ms * (1 + (i % 4) / 3) * 10) / 10;
    return instance === undefined ? event : { ...event, latency_ms, instance };
  });
  await writeFile(path.join(dir, 'fleet.jsonl'), `${toJsonl(events)}not json\n`);
  // Each instance's lines alone, split out by jq.
  for (const name of [...INSTANCES, '(none)']) {
    await sh(`jq -R -c 'fromjson? | ${selectInstance(name)}' fleet.jsonl > ${fileOf(name)}`, dir);
  }
});
afterAll(async () => {
  await cleanup();
});

const json = async (args: string[]) => {
  const run = await runCli(args, { cwd: dir });
  // The fleet's file holds one malformed line, which metrics and slo mention on stderr.
  expect(run.stderr).toMatch(
    /^(eventkit: skipped 1 malformed line \(first at fleet\.jsonl:\d+: .*\)\n)?$/,
  );
  return { code: run.code, value: JSON.parse(run.stdout) };
};

describe('--by instance', () => {
  it("summarize: each instance's summary is summarize --json on its lines alone; the fleet's is the plain summary", async () => {
    const { value } = await json(['summarize', '--json', '--by', 'instance', 'fleet.jsonl']);
    const { instances, ...fleet } = value;
    expect(fleet).toStrictEqual((await json(['summarize', '--json', 'fleet.jsonl'])).value);
    expect(fleet.malformed_lines).toBe(1);
    expect(Object.keys(instances)).toEqual(['(none)', ...INSTANCES]);
    for (const name of Object.keys(instances)) {
      const alone = (await json(['summarize', '--json', fileOf(name)])).value;
      expect(alone.total).toBe(1000);
      expect(instances[name]).toStrictEqual({
        ...alone,
        // The same lines, read from the fleet's file.
        first_malformed: [],
      });
    }
    expect(instances.web2.actions.recommend.p95_ms).not.toBe(
      instances['(none)'].actions.recommend.p95_ms,
    );
  });

  it('summarize: the text report gives the fleet, then each instance under its name', async () => {
    const run = await runCli(['summarize', '--by', 'instance', 'fleet.jsonl'], { cwd: dir });
    expect(run.code).toBe(0);
    const plain = await runCli(['summarize', 'web1-w2.jsonl'], { cwd: dir });
    expect(run.stdout).toContain(
      '=== Telemetry Summary (fleet: 4 instances) ===\nTotal actions: 4,000',
    );
    expect(run.stdout).toContain(plain.stdout.replace('Telemetry Summary', 'Instance web1-w2'));
    expect(run.stdout.indexOf('Instance (none)')).toBeLessThan(
      run.stdout.indexOf('Instance web1-w1'),
    );
  });

  it("metrics: each instance's fields are metrics --json on its lines alone; the fleet's unchanged", async () => {
    const args = ['metrics', '--json', '--window', '1h'];
    const { instances, ...fleet } = (await json([...args, '--by', 'instance', 'fleet.jsonl']))
      .value;
    expect(fleet).toStrictEqual((await json([...args, 'fleet.jsonl'])).value);
    for (const name of ['(none)', ...INSTANCES]) {
      expect(instances[name]).toStrictEqual((await json([...args, fileOf(name)])).value);
    }
    const text = await runCli(['metrics', '--window', '1h', '--by', 'instance', 'fleet.jsonl'], {
      cwd: dir,
    });
    const rows = text.stdout.split('By instance:\n')[1]?.trim().split('\n') ?? [];
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'INSTANCE REQUESTS',
      '(none) 1,000',
      'web1-w1 1,000',
      'web1-w2 1,000',
      'web2 1,000',
      '(fleet) 4,000',
    ]);
  });

  it("slo: each instance is checked on its own requests; the exit code is the fleet's", async () => {
    const targets = path.join(dir, 'targets.json');
    // Met by the fleet and by (none), missed by the slowest instance (web2).
    const fleetP95 = (await json(['metrics', '--json', '--window', '1h', 'fleet.jsonl'])).value;
    await writeFile(targets, JSON.stringify({ latency_p95_max_ms: fleetP95.latency_p95 + 0.1 }));
    const args = ['slo', '--json', '--window', '1h', '--targets', targets];
    const { code, value } = await json([...args, '--by', 'instance', 'fleet.jsonl']);
    const { instances, ...fleet } = value;
    expect(code).toBe(0);
    expect(fleet).toStrictEqual((await json([...args, 'fleet.jsonl'])).value);
    for (const name of ['(none)', ...INSTANCES]) {
      const { window: _window, ...alone } = (await json([...args, fileOf(name)])).value;
      expect(instances[name]).toStrictEqual(alone);
    }
    expect(instances.web2.ok).toBe(false);
    expect(instances['(none)'].ok).toBe(true);
    const text = await runCli(
      [...args.filter((a) => a !== '--json'), '--by', 'instance', 'fleet.jsonl'],
      {
        cwd: dir,
      },
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\nweb2 +1000 +[\d.]+ms ✗ +FAIL\n/);
    expect(text.stdout).toMatch(/\n\(fleet\) +4000 +[\d.]+ms +PASS\n/);
  });

  it.each(['summarize', 'metrics', 'slo'])(
    '%s: --by with another key is a usage error (exit 2)',
    async (command) => {
      const run = await runCli([command, '--by', 'host', 'fleet.jsonl'], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("option '--by <key>' argument 'host' is invalid");
      expect(run.stdout).toBe('');
    },
  );
});
