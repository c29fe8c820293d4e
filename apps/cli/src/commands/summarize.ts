import { stat } from 'node:fs/promises';
import { EXACT_LATENCY_LIMIT, summarizeTelemetry } from '@eventkit/core/analysis';
import type { BreakdownKey } from '../by-instance.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { displayPath, namedFiles, resolveInputs } from '../input-files.js';
import type { InputFlags } from '../input-options.js';
import { exactLimitFrom } from '../percentiles.js';
import { formatSize } from '../sizes.js';
import { renderSummaryReport } from '../summary-report.js';
import { checkTimeRange } from '../time-range.js';

export interface SummarizeFlags extends InputFlags {
  json?: boolean;
  threads?: number;
  by?: BreakdownKey;
}

/** `eventkit summarize`: the seed's report, or the stable TelemetrySummary JSON. */
export async function runSummarize(
  ctx: CliContext,
  args: string[],
  flags: SummarizeFlags,
): Promise<number> {
  checkTimeRange(flags);
  const exactLimit = exactLimitFrom(ctx.env);
  const inputs = await resolveInputs(args, ctx, flags);
  const status = await summaryStatus(ctx, namedFiles(inputs));
  const summary = await summarizeTelemetry(inputs, {
    since: flags.since,
    until: flags.until,
    includeRotated: false,
    threads: flags.threads,
    exactLimit,
    by: flags.by,
  }).finally(() => status.stop());
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return EXIT.ok;
  }
  const firstMalformed = summary.first_malformed[0];
  const where = firstMalformed
    ? `${displayPath(firstMalformed.file, ctx.cwd)}:${firstMalformed.line} (${firstMalformed.reason})`
    : undefined;
  const options = { exactLimit: exactLimit ?? EXACT_LATENCY_LIMIT };
  const instances = Object.entries(summary.instances ?? {});
  const fleet = summary.instances
    ? `Telemetry Summary (fleet: ${instances.length} ${instances.length === 1 ? 'instance' : 'instances'})`
    : undefined;
  const sections = [
    renderSummaryReport(summary, { ...options, title: fleet, firstMalformed: where }),
  ];
  for (const [name, part] of instances) {
    sections.push(renderSummaryReport(part, { ...options, title: `Instance ${name}` }));
  }
  ctx.stdout.write(sections.join('\n'));
  return EXIT.ok;
}

/** Large reads get a status line on a terminal: the worker-thread summary reports no progress. */
async function summaryStatus(ctx: CliContext, files: string[]): Promise<{ stop(): void }> {
  if (ctx.stderr.isTTY !== true) return { stop() {} };
  const sizes = await Promise.all(
    files.map((file) =>
      stat(file).then(
        (info) => info.size,
        () => 0,
      ),
    ),
  );
  const bytes = sizes.reduce((sum, size) => sum + size, 0);
  if (bytes < 32 * 1024 * 1024) return { stop() {} };
  const { createStatusLine } = await import('../progress.js');
  return createStatusLine(
    ctx,
    `summarizing ${formatSize(bytes)} in ${files.length} file${files.length === 1 ? '' : 's'}…`,
  );
}
