import { type ReadStats, readTelemetry } from '@eventkit/core/analysis';
import type { MalformedLine, TelemetryEvent } from '@eventkit/core/telemetry';
import type { CliContext } from './context.js';
import { displayPath, namedFiles, resolveInputs } from './input-files.js';
import type { InputFlags } from './input-options.js';
import { trackReadProgress } from './read-progress.js';
import { checkTimeRange } from './time-range.js';

export interface StreamOptions {
  actions?: string[] | undefined;
}

/**
 * Streams the events of the command's inputs (constant memory, rotated and .gz included, standard input for `-`) into
 * `visit`; a `false` from `visit` stops the read early (e.g. `--limit`). Malformed lines are
 * skipped and reported on stderr so stdout stays valid JSONL.
 */
export async function forEachEvent(
  ctx: CliContext,
  args: string[],
  flags: InputFlags,
  options: StreamOptions,
  visit: (event: TelemetryEvent) => boolean | undefined,
): Promise<ReadStats> {
  checkTimeRange(flags);
  const inputs = await resolveInputs(args, ctx, flags);
  let firstMalformed: MalformedLine | undefined;
  const stream = readTelemetry(inputs, {
    since: flags.since,
    until: flags.until,
    actions: options.actions,
    includeRotated: false,
    onMalformed: (malformed) => {
      firstMalformed ??= malformed;
    },
  });
  const stopProgress = await trackReadProgress(ctx, namedFiles(inputs), () => stream.stats.lines);
  try {
    for await (const event of stream) {
      if (visit(event) === false) break;
    }
  } finally {
    stopProgress();
  }
  reportSkippedMalformed(ctx, stream.stats.malformed, firstMalformed);
  return stream.stats;
}

/** The one stderr line of a command that skips malformed lines, so stdout stays its own. */
export function reportSkippedMalformed(
  ctx: Pick<CliContext, 'stderr' | 'cwd'>,
  count: number,
  first: MalformedLine | undefined,
): void {
  if (count === 0) return;
  const where = first
    ? ` (first at ${displayPath(first.file, ctx.cwd)}:${first.line}: ${first.reason})`
    : '';
  ctx.stderr.write(`eventkit: skipped ${count} malformed line${count === 1 ? '' : 's'}${where}\n`);
}
