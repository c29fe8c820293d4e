import { describe, expect, it } from 'vitest';
import { formatReport } from './report.js';
import { runDrill } from './run-drill.js';

// The short form of the operations drill; `pnpm --filter @eventkit/e2e drill -- --duration 120`
// is the long form. Counts are compared exactly; nothing here depends on how fast the machine is.
describe('operations drill (short form)', () => {
  it('counts every answered request exactly once in telemetry, logs, the exporter and Prometheus', async () => {
    const report = await runDrill({ durationMs: 12_000 });
    process.stdout.write(formatReport(report));

    expect(report.load.responses).toBeGreaterThan(0);
    expect(report.rotations.telemetry).toBeGreaterThan(1);
    expect(report.rotations.logrotate).toBeGreaterThan(0);
    expect(report.restarts).toEqual({ exporterSigterm: 1, exporterSigkill: 1 });
    expect(report.agentExit).toBe(0);
    expect(report.mismatches).toEqual([]);
  }, 120_000);
});
