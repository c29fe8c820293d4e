import type { Colors } from '../colors.js';
import { formatCount, formatOneDecimal } from '../number-format.js';
import { approx } from '../percentiles.js';
import { actionsByCount } from '../summary-report.js';
import type { DashboardSnapshot } from './snapshot.js';
import { sparkline } from './sparkline.js';

export interface RenderOptions {
  width: number;
  height: number;
  colors: Colors;
  fileLabel: string;
  intervalSeconds: number;
}

/** The dashboard as lines of at most `width` visible characters (pure: the loop draws them). */
export function renderDashboard(snapshot: DashboardSnapshot, options: RenderOptions): string[] {
  const { colors: c, width } = options;
  const lines: string[] = [];
  const time = snapshot.at.toISOString().slice(11, 19);
  lines.push(
    `${c.bold('=== Event Agent Dashboard ===')}  ${time} UTC  every ${options.intervalSeconds}s  ${c.dim('q quits, r refreshes')}`,
    '',
  );
  const { health } = snapshot;
  const state =
    health.state === 'healthy'
      ? c.green('● healthy')
      : health.state === 'unhealthy'
        ? c.yellow('● unhealthy')
        : c.red('● DOWN');
  lines.push(
    `Service Status: ${state}  ${health.url}${health.detail ? `  ${c.dim(health.detail)}` : ''}`,
  );
  lines.push(
    `Telemetry:      ${options.fileLabel}${snapshot.fileProblem ? `  ${c.red(snapshot.fileProblem)}` : ''}`,
  );
  if (snapshot.fileProblem) {
    lines.push(
      '',
      c.yellow(
        'No telemetry to show: check telemetry.enabled and the file path (eventkit doctor).',
      ),
    );
    return fit(lines, options);
  }
  const hour = snapshot.lastHour;
  const summary = hour?.summary;
  const total = summary?.total ?? 0;
  const failures = summary?.failures ?? 0;
  lines.push(
    '',
    `Requests (last hour):    ${formatCount(total)}`,
    `Errors (last hour):      ${formatCount(failures)}${total > 0 ? ` (${formatOneDecimal(summary?.error_rate ?? 0)}%)` : ''}`,
    `Avg Latency (last 100):  ${snapshot.avgLatencyLast100 === undefined ? 'n/a' : `${snapshot.avgLatencyLast100.toFixed(2)}ms`}`,
  );
  if (snapshot.malformed > 0)
    lines.push(c.yellow(`Malformed lines skipped (last hour): ${snapshot.malformed}`));
  if (hour) {
    const span = Math.max(10, Math.min(hour.requestsPerMinute.length, width - 26));
    const peak = Math.max(...hour.requestsPerMinute);
    const slowest = Math.max(...hour.latencyPerMinute);
    lines.push(
      '',
      `Requests/min (60 min)  ${c.cyan(sparkline(hour.requestsPerMinute.slice(-span)))} ${c.dim(`max ${peak}`)}`,
      `Latency ms/min         ${c.magenta(sparkline(hour.latencyPerMinute.slice(-span)))} ${c.dim(`max ${slowest.toFixed(1)}`)}`,
    );
  }
  if (summary && total > 0) {
    lines.push(
      '',
      c.bold(
        `${'ACTION'.padEnd(16)}${'REQUESTS'.padStart(10)}${'ERRORS'.padStart(8)}${'ERR%'.padStart(8)}${'P50 ms'.padStart(10)}${'P95 ms'.padStart(10)}`,
      ),
    );
    // summarize's percentiles (exact, linear), from the same summary builder.
    const ms = (value: number) => approx(formatOneDecimal(value), summary.approximate);
    for (const [name, stats] of actionsByCount(summary)) {
      const errPct = stats.count > 0 ? (stats.failures / stats.count) * 100 : 0;
      const row = `${name.slice(0, 15).padEnd(16)}${formatCount(stats.count).padStart(10)}${formatCount(stats.failures).padStart(8)}${`${formatOneDecimal(errPct)}%`.padStart(8)}${ms(stats.p50_ms).padStart(10)}${ms(stats.p95_ms).padStart(10)}`;
      lines.push(stats.failures > 0 ? c.yellow(row) : row);
    }
  } else {
    lines.push('', c.dim('No requests in the last hour.'));
  }
  return fit(lines, options);
}

function fit(lines: string[], options: RenderOptions): string[] {
  return lines.slice(0, Math.max(1, options.height - 1));
}
