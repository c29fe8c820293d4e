import type { TelemetrySummary } from '@eventkit/core/analysis';
import { describe, expect, it } from 'vitest';
import { renderSummaryReport } from './summary-report.js';

const action = (count: number, failures: number, share: number, p: [number, number, number]) => ({
  count,
  failures,
  share,
  p50_ms: p[0],
  p95_ms: p[1],
  p99_ms: p[2],
});

/** The seed's own example figures. */
const SEED: TelemetrySummary = {
  total: 1234,
  failures: 18,
  success_rate: 98.541,
  error_rate: 1.459,
  malformed_lines: 0,
  first_malformed: [],
  first_ts: 1,
  last_ts: 2,
  actions: {
    explain: action(300, 5, 24.31, [8.1, 11.3, 14.7]),
    recommend: action(800, 10, 64.83, [12.5, 18.2, 25.1]),
    export: action(134, 3, 10.86, [22.3, 35.8, 42.1]),
  },
  gaps: { records: 0, dropped: 0, episodes: [] },
  approximate: false,
};

describe('renderSummaryReport', () => {
  it("reproduces the seed's example output, actions by count", () => {
    expect(renderSummaryReport(SEED)).toBe(`=== Telemetry Summary ===
Total actions: 1,234
Success rate: 98.5%

Action breakdown:
  recommend: 800 (64.8%)
  explain: 300 (24.3%)
  export: 134 (10.9%)

Latency (ms):
  recommend: p50=12.5, p95=18.2, p99=25.1
  explain: p50=8.1, p95=11.3, p99=14.7
  export: p50=22.3, p95=35.8, p99=42.1

Error rate: 1.5% (18 failures)
`);
  });

  it('adds one line for skipped malformed lines, naming the first', () => {
    const report = renderSummaryReport(
      { ...SEED, malformed_lines: 1 },
      { firstMalformed: 't.jsonl:7 (invalid JSON)' },
    );
    expect(
      report.endsWith(
        'Error rate: 1.5% (18 failures)\nSkipped 1 malformed line; first at t.jsonl:7 (invalid JSON)\n',
      ),
    ).toBe(true);
  });

  it('marks approximate percentiles with ≈ and says why, naming the bound', () => {
    const report = renderSummaryReport({ ...SEED, approximate: true }, { exactLimit: 20_000_000 });
    expect(report).toContain('  recommend: p50=≈12.5, p95=≈18.2, p99=≈25.1\n');
    expect(report).toContain(
      '\n≈ percentiles are approximate (within 1%): more than 20,000,000 latencies in the window',
    );
    expect(renderSummaryReport(SEED)).not.toContain('≈');
  });

  it('says so when there are no events instead of dividing by zero', () => {
    const empty = { ...SEED, total: 0, failures: 0, success_rate: 0, error_rate: 0, actions: {} };
    expect(renderSummaryReport(empty)).toBe(
      '=== Telemetry Summary ===\nTotal actions: 0\n\nNo telemetry events in the selected files and time range.\n',
    );
  });

  it('prints one line per gap in the telemetry, and the rest as one line', () => {
    const episode = (dropped: number, since: number, reason: string) => ({
      dropped,
      since,
      until: since + 90.5,
      reason,
    });
    const report = renderSummaryReport({
      ...SEED,
      gaps: {
        records: 4,
        dropped: 3_010,
        episodes: [
          episode(2_982, 1_796_615_040.25, 'ENOSPC: disk full'),
          episode(1, 1_796_620_000, 'EACCES: permission denied'),
        ],
      },
    });
    expect(report.split('\n').slice(-4)).toEqual([
      '2,982 events not recorded (ENOSPC: disk full) between 2026-12-07T03:44:00Z and 2026-12-07T03:45:30Z',
      '1 event not recorded (EACCES: permission denied) between 2026-12-07T05:06:40Z and 2026-12-07T05:08:10Z',
      '… and 27 more events not recorded in 2 later gaps',
      '',
    ]);
  });
});
