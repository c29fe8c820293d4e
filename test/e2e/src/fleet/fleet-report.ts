import type { FleetReport } from './run-fleet-drill.js';

const pad = (value: string | number, width: number) => String(value).padStart(width);

/** The fleet drill's report as text: per host and in total, then the operations and verdict. */
export function formatFleetReport(report: FleetReport): string {
  const out: string[] = [];
  const { load } = report;
  out.push(
    `Fleet drill: ${report.hosts.length} hosts behind nginx, ${report.restarts} restarts, ${report.nginx.failovers} requests failed over`,
    `load: ${load.responses} responses in ${load.elapsedSeconds.toFixed(1)} s (${load.requestsPerSecond.toFixed(0)}/s), ${load.errors} errors, by status ${JSON.stringify(load.byStatus)}`,
  );
  for (const client of report.clients) {
    out.push(
      `client ${client.name} (${client.localAddress}): ${JSON.stringify(client.byStatus)}, ${client.errors} errors`,
    );
  }
  out.push('', 'host      workers  answered  telemetry  lost (bound)  exporter  prometheus  exits');
  for (const host of report.hosts) {
    const lost = host.lossBound === undefined ? '-' : `${host.lost} (${host.lossBound})`;
    out.push(
      `${host.name.padEnd(8)}  ${pad(host.workers, 7)}  ${pad(host.answered, 8)}  ${pad(host.telemetry.lines, 9)}  ${pad(lost, 12)}  ${pad(host.exporterRequests, 8)}  ${pad(host.prometheusRequests, 10)}  ${host.exits.join(',')}`,
    );
  }
  const t = report.totals;
  out.push(
    `${'fleet'.padEnd(8)}  ${pad('', 7)}  ${pad(t.responses, 8)}  ${pad(t.telemetry, 9)}  ${pad('', 12)}  ${pad(t.exporters, 8)}  ${pad(t.prometheus, 10)}`,
    '',
    ...report.operations,
  );
  if (report.workerKill) {
    out.push(`worker ${report.workerKill.killed} replaced by ${report.workerKill.replacement}`);
  }
  if (report.alerts.instanceDown) {
    out.push(`EventAgentInstanceDown fired for ${report.alerts.instanceDown}`);
  }
  out.push(
    '',
    report.mismatches.length === 0
      ? 'OK: every layer agrees'
      : `MISMATCHES (${report.mismatches.length}):\n${report.mismatches.map((m) => `  - ${m}`).join('\n')}`,
    '',
  );
  return out.join('\n');
}
