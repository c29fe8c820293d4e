import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir, makeEvents, runCli, sh, writeEvents } from '../test-support/run-cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await createTempDir());
  // Two hours up to now, one event every 10 s: the "last hour" one-liners cut through it.
  const now = Math.floor(Date.now() / 1000);
  await writeEvents(path.join(dir, 'telemetry.jsonl'), makeEvents(720, now - 7200 + 5, 10));
});
afterEach(() => cleanup());

/** One number from `eventkit sql --csv` (the header row dropped). */
async function sqlNumber(query: string): Promise<number> {
  const run = await runCli(['sql', query, '--csv'], { cwd: dir });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return Number(run.stdout.split('\r\n')[1]);
}

// The README's table: each of the monitoring guide's jq one-liners and its SQL, on the same file.
describe("the monitoring guide's jq one-liners, in SQL", () => {
  it('counts actions by type', async () => {
    const jq = await sh("jq -r '.action' telemetry.jsonl | sort | uniq -c", dir);
    const run = await runCli(
      [
        'sql',
        'SELECT action, count(*) AS n FROM telemetry GROUP BY action ORDER BY action',
        '--csv',
      ],
      { cwd: dir },
    );
    const fromJq = jq
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/).reverse().join(','));
    expect(run.stdout.trim().split('\r\n').slice(1)).toEqual(fromJq);
  });

  it.each([
    [
      'average latency of recommend',
      `jq -r 'select(.action == "recommend") | .latency_ms' telemetry.jsonl | awk '{sum+=$1; n++} END {print sum/n}'`,
      "SELECT avg(latency_ms) AS avg_ms FROM telemetry WHERE action = 'recommend'",
    ],
    [
      'slow requests (>100ms)',
      `jq -c 'select(.latency_ms > 100)' telemetry.jsonl | wc -l`,
      'SELECT count(*) FROM telemetry WHERE latency_ms > 100',
    ],
    [
      'errors in the last hour',
      `jq -c --arg now $(date +%s) 'select(.success == false and .ts > ($now | tonumber - 3600))' telemetry.jsonl | wc -l`,
      'SELECT count(*) FROM telemetry WHERE NOT success AND epoch(ts) > epoch(now()) - 3600',
    ],
    [
      'requests in the last hour',
      `jq -c --arg now $(date +%s) 'select(.ts > ($now | tonumber - 3600))' telemetry.jsonl | wc -l`,
      'SELECT count(*) FROM telemetry WHERE epoch(ts) > epoch(now()) - 3600',
    ],
    [
      'the alert script’s ERROR_COUNT',
      `jq -c 'select(.success == false)' telemetry.jsonl | tail -100 | wc -l`,
      'SELECT least(count(*), 100) AS n FROM telemetry WHERE NOT success',
    ],
    [
      'average latency of the last 100 requests',
      `tail -100 telemetry.jsonl | jq -r '.latency_ms' | awk '{sum+=$1; n++} END {printf "%.2f", sum/n}'`,
      'SELECT round(avg(latency_ms), 2) AS avg_ms FROM (SELECT latency_ms FROM telemetry ORDER BY ts DESC LIMIT 100)',
    ],
  ])('%s', async (_name, jq, sql) => {
    const expected = Number((await sh(jq, dir)).trim());
    expect(await sqlNumber(sql)).toBeCloseTo(expected, 4);
  });

  it('formats slow requests as `action: latencyms - payload`', async () => {
    const run = await runCli(
      [
        'sql',
        // DuckDB writes the double 201 as 201.0, jq as 201.
        "SELECT action || ': ' || regexp_replace(latency_ms::VARCHAR, '\\.0$', '') || 'ms - ' || payload AS line FROM telemetry WHERE latency_ms > 100",
        '--csv',
      ],
      { cwd: dir },
    );
    const jq = await sh(
      `jq -c 'select(.latency_ms > 100)' telemetry.jsonl | jq -r '"\\(.action): \\(.latency_ms)ms - \\(.payload)"'`,
      dir,
    );
    const lines = run.stdout
      .trim()
      .split('\r\n')
      .slice(1)
      .map((field) => field.replace(/^"|"$/g, '').replaceAll('""', '"'));
    expect(lines).toEqual(jq.trim().split('\n'));
  });
});
