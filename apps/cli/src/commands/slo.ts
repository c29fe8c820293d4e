import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { WindowMetrics } from '@eventkit/core/analysis';
import { EventKitError, isEventKitError } from '@eventkit/core/telemetry';
import { formatTable } from '../by-instance.js';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { approx } from '../percentiles.js';
import { evaluateSlo, type SloCheck, type SloResult, type SloTargets } from '../slo.js';
import { formatWindow } from '../window-label.js';
import { loadWindowMetrics, type MetricsFlags, windowApproximateNote } from './metrics.js';

export interface SloFlags extends MetricsFlags {
  targets?: string;
}

/**
 * `eventkit slo`: the seed's key-metrics targets as a PASS/FAIL table; exit 1 on any breach.
 * Latency percentiles are summarize's (linear), so the two commands show the same numbers.
 * With `--by instance` each instance is checked too, but the exit code is the fleet's: the
 * service meets its targets or not, whatever one quiet instance shows.
 */
export async function runSlo(ctx: CliContext, args: string[], flags: SloFlags): Promise<number> {
  const targets = flags.targets
    ? await readTargets(path.resolve(ctx.cwd, flags.targets), flags.targets)
    : undefined;
  const metrics = await loadWindowMetrics(ctx, args, flags, 'linear');
  const result = evaluateSlo(metrics, targets);
  const code = result.ok ? EXIT.ok : EXIT.tripped;
  const instances = Object.entries(metrics.instances ?? {}).map(
    ([name, part]) => [name, part, evaluateSlo(part, targets)] as const,
  );
  if (flags.json) {
    const checked = (part: WindowMetrics, outcome: SloResult) => ({
      total_requests: part.total_requests,
      ...outcome,
      approximate: part.approximate,
    });
    const report = { window: formatWindow(flags.window), ...checked(metrics, result) };
    const byInstance = metrics.instances
      ? {
          instances: Object.fromEntries(
            instances.map(([name, part, outcome]) => [name, checked(part, outcome)]),
          ),
        }
      : {};
    ctx.stdout.write(`${JSON.stringify({ ...report, ...byInstance }, null, 2)}\n`);
    return code;
  }
  const c = colorsFor(ctx.stdout, ctx.env);
  const header = ['CHECK', 'TARGET', 'ACTUAL', 'RESULT'];
  const rows = result.checks.map((check) => [
    check.label,
    `${check.comparison}${formatValue(check.target, check.unit)}`,
    approx(formatValue(check.actual, check.unit), metrics.approximate && check.unit === 'ms'),
    check.ok ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [
    `SLO check over the last ${formatWindow(flags.window)} (${metrics.total_requests} requests)`,
    line(header),
    ...rows.map((row) => {
      const text = line(row);
      return row[3] === 'PASS'
        ? text.replace(/PASS$/, c.green('PASS'))
        : text.replace(/FAIL$/, c.red('FAIL'));
    }),
  ];
  const failed = result.checks.filter((check) => !check.ok).length;
  out.push(
    failed === 0 ? 'All targets met.' : `${failed} of ${result.checks.length} targets breached.`,
  );
  if (metrics.approximate) out.push(windowApproximateNote(ctx));
  if (metrics.instances) {
    // One row per instance: each check's actual value, marked ✗ when it misses its target.
    const cell = (check: SloCheck, approximate: boolean) =>
      `${approx(formatValue(check.actual, check.unit), approximate && check.unit === 'ms')}${check.ok ? '' : ' ✗'}`;
    const row = (name: string, part: WindowMetrics, outcome: SloResult) => [
      name,
      String(part.total_requests),
      ...outcome.checks.map((check) => cell(check, part.approximate)),
      outcome.ok ? 'PASS' : 'FAIL',
    ];
    out.push(
      '',
      "By instance (the exit code is the fleet's):",
      ...formatTable([
        [
          'INSTANCE',
          'REQUESTS',
          ...result.checks.map((check) => check.label.toUpperCase()),
          'RESULT',
        ],
        ...instances.map(([name, part, outcome]) => row(name, part, outcome)),
        row('(fleet)', metrics, result),
      ]),
    );
  }
  ctx.stdout.write(`${out.join('\n')}\n`);
  return code;
}

function formatValue(value: number, unit: SloCheck['unit']): string {
  const rounded = Number.isInteger(value) ? String(value) : value.toFixed(unit === '/s' ? 3 : 2);
  return `${rounded}${unit}`;
}

/** A targets file replaces the defaults: exactly the targets it names are checked. */
async function readTargets(file: string, label: string): Promise<SloTargets> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new EventKitError(
      'UNREADABLE_INPUT',
      `--targets ${label}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path`,
      { cause: error },
    );
  }
  try {
    const { parseSloTargets } = await import('../slo-targets-file.js');
    return parseSloTargets(JSON.parse(text), `--targets ${label}`);
  } catch (error) {
    if (isEventKitError(error))
      throw new EventKitError('UNREADABLE_INPUT', error.message, { cause: error });
    throw new EventKitError(
      'UNREADABLE_INPUT',
      `--targets ${label}: not valid JSON; fix the syntax`,
      {
        cause: error,
      },
    );
  }
}
