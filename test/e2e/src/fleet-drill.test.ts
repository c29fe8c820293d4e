import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFleetReport } from './fleet/fleet-report.js';
import { type FleetReport, runFleetDrill } from './fleet/run-fleet-drill.js';
import { createProcessGroup } from './processes.js';

// The short form of the fleet drill (`pnpm --filter @eventkit/e2e fleet-drill -- --rounds 5
// --tail 60` is the long one). Counts are compared exactly; the only allowance is the documented
// SIGKILL bound, and nothing depends on how fast the machine is.

describe('fleet drill (short form): nginx, three agent hosts, their exporters, Prometheus', () => {
  let report: FleetReport;
  // Whatever ends the run (a timeout included), no process it started outlives the file.
  const group = createProcessGroup();
  afterAll(() => group.killAll());
  beforeAll(async () => {
    report = await runFleetDrill({ group });
    process.stdout.write(formatFleetReport(report));
  }, 120_000);

  it('finds nginx, telemetry, the exporters and Prometheus in agreement, per host and in total', () => {
    expect(report.mismatches).toEqual([]);
    const { totals } = report;
    expect(totals.responses).toBeGreaterThan(0);
    const lost = report.hosts.reduce((sum, host) => sum + host.lost, 0);
    expect(totals.telemetry).toBe(totals.responses - lost);
    expect(totals.exporters).toBe(totals.telemetry);
    expect(totals.prometheus).toBe(totals.telemetry);
  });

  it('loses no request while every host is restarted in turn behind nginx', () => {
    expect(report.restarts).toBeGreaterThanOrEqual(report.hosts.length);
    expect(report.load.errors).toBe(0);
    const unexpected = Object.keys(report.load.byStatus).filter(
      (s) => !['200', '400', '401', '404'].includes(s),
    );
    expect(unexpected).toEqual([]);
    for (const host of report.hosts) {
      expect(host.exits.every((code) => code === 0 || code === 'SIGKILL')).toBe(true);
    }
  });

  it('limits the client over its limit, told apart through nginx by X-Forwarded-For, and no other', () => {
    const [noisy, ...others] = report.clients;
    expect(noisy?.byStatus['429']).toBeGreaterThan(0);
    for (const client of others) expect(Object.keys(client.byStatus)).toEqual(['200']);
    expect(report.load.byStatus['429']).toBeUndefined();
  });

  it('survives kill -9 of a worker: the primary replaces it, and its telemetry loses at most a flush interval', () => {
    expect(report.workerKill?.replacement).toBeGreaterThan(0);
    const host = report.hosts.find((h) => h.workers > 1);
    expect(host?.lossBound).toBeDefined();
    expect(host?.lost).toBeLessThanOrEqual(host?.lossBound ?? -1);
  });

  it('finds every telemetry line naming its process: host-k, or host-k-w<j> for worker j', () => {
    for (const host of report.hosts) {
      const expected = host.workers > 1 ? /^host-\d-w\d$/ : /^host-\d$/;
      for (const name of Object.keys(host.telemetry.byInstance)) expect(name).toMatch(expected);
    }
  });

  it('fires EventAgentInstanceDown for a SIGKILLed host, and never EventAgentDown', () => {
    const victim = report.hosts.at(-1);
    expect(report.alerts.instanceDown).toBeDefined();
    expect(victim?.lost).toBeLessThanOrEqual(victim?.lossBound ?? -1);
    expect(report.alerts.fleetDownSeen).toBe(false);
  });
});
