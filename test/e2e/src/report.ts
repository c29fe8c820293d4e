import type { ActionCounts } from './census.js';
import type { DrillReport } from './run-drill.js';

const pad = (text: string | number, width: number) => String(text).padStart(width);

function countsTable(report: DrillReport): string[] {
  const actions = new Set([
    ...Object.keys(report.expected),
    ...Object.keys(report.telemetry.byAction),
  ]);
  const cell = (counts: ActionCounts, action: string) => {
    const c = counts[action];
    return c ? `${c.count}/${c.failures}` : '0/0';
  };
  const rows = [
    `  ${'action'.padEnd(14)}${pad('load', 14)}${pad('telemetry', 14)}${pad('exporter', 14)}${pad('prometheus', 12)}`,
  ];
  for (const action of [...actions].sort()) {
    const exporter = `${report.exporter.requests[action] ?? 0}/${report.exporter.errors[action] ?? 0}`;
    rows.push(
      `  ${action.padEnd(14)}${pad(cell(report.expected, action), 14)}${pad(cell(report.telemetry.byAction, action), 14)}${pad(exporter, 14)}${pad(report.prometheus.requests[action] ?? 0, 12)}`,
    );
  }
  return rows;
}

/** The drill's report as text: figures first, then every mismatch (or "none"). */
export function formatReport(report: DrillReport): string {
  const { load } = report;
  const sorted = [...load.perSecond].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const lines = [
    'Event Kit operations drill',
    `  load            ${load.responses} responses in ${report.durationSeconds} s: ${load.requestsPerSecond.toFixed(0)} req/s (per second: min ${sorted[0] ?? 0}, median ${median}), p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms, max ${load.latencyMs.max} ms`,
    `  statuses        ${Object.entries(load.byStatus)
      .map(([status, n]) => `${status}×${n}`)
      .join(' ')}; no response: ${load.errors}`,
    `  telemetry       ${report.telemetry.lines} lines in ${report.telemetry.files} files (${report.rotations.telemetry} rotations), ${report.telemetry.malformed} malformed, ${report.telemetry.duplicateTraceIds} duplicated trace ids`,
    `  logs            ${report.logs.lines} lines in ${report.logs.files} files (${report.rotations.logrotate} logrotate runs), ${report.logs.requestLines} request lines`,
    `  exporter        ${report.exporter.lines} lines, ${report.exporter.malformed} malformed, ${report.exporter.rotationsFollowed} rotations followed, lag ${report.exporter.lagSeconds.toFixed(2)} s (last event ${report.exporter.idleSeconds.toFixed(2)} s ago)`,
    `  restarts        exporter SIGTERM ×${report.restarts.exporterSigterm}, SIGKILL ×${report.restarts.exporterSigkill}; exporter exits ${report.exporterExits.join(', ')}`,
    `  prometheus      ${report.prometheus.resets} counter resets, ${report.prometheus.rules} alert rules loaded`,
    `  agent           exit ${report.agentExit} after SIGTERM`,
    ...report.notes.map((note) => `  note            ${note}`),
    '  counts (count/failures):',
    ...countsTable(report),
    report.mismatches.length === 0
      ? 'mismatches: none'
      : `mismatches (${report.mismatches.length}):\n${report.mismatches.map((m) => `  - ${m}`).join('\n')}`,
  ];
  return `${lines.join('\n')}\n`;
}
