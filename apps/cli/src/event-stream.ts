import { type ReadStats, readTelemetry } from '@eventkit/core/analysis';
import type { MalformedLine, TelemetryEvent } from '@eventkit/core/telemetry';
import type { CliContext } from './context.js';
import { displayPath, inputHistories, namedFiles, resolveInputs } from './input-files.js';
import type { InputFlags } from './input-options.js';
import { trackReadProgress } from './read-progress.js';
import { checkTimeRange } from './time-range.js';

export interface StreamOptions {
  actions?: string[] | undefined;
}

/**
 * Streams the events of the command's inputs (constant memory, rotated and .gz included, standard
 * input for `-`) into `visit`, every instance's files merged in time order (each file with its
 * archives is one history, read in order; the histories are merged by `ts`); a `false` from
 * `visit` stops the read early (e.g. `--limit`). Malformed lines are skipped and reported on
 * stderr so stdout stays valid JSONL.
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
  const streams = inputHistories(inputs).map((history) =>
    readTelemetry(history, {
      since: flags.since,
      until: flags.until,
      actions: options.actions,
      includeRotated: false,
    }),
  );
  const stats = (): ReadStats => sumStats(streams.map((stream) => stream.stats));
  const events = streams.length === 1 && streams[0] ? streams[0] : mergeByTime(streams);
  const stopProgress = await trackReadProgress(ctx, namedFiles(inputs), () => stats().lines);
  try {
    for await (const event of events) {
      if (visit(event) === false) break;
    }
  } finally {
    stopProgress();
  }
  const total = stats();
  reportSkippedMalformed(ctx, total.malformed, total.firstMalformed[0]);
  return total;
}

/** The events of several time-ordered streams as one, oldest head first (ties: input order). */
async function* mergeByTime(
  streams: AsyncIterable<TelemetryEvent>[],
): AsyncGenerator<TelemetryEvent> {
  const iterators = streams.map((stream) => stream[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((iterator) => iterator.next()));
  try {
    for (;;) {
      let oldest: number | undefined;
      let oldestTs = Number.POSITIVE_INFINITY;
      heads.forEach((head, i) => {
        if (!head.done && (oldest === undefined || head.value.ts < oldestTs)) {
          oldest = i;
          oldestTs = head.value.ts;
        }
      });
      const head = oldest === undefined ? undefined : heads[oldest];
      const iterator = oldest === undefined ? undefined : iterators[oldest];
      if (oldest === undefined || head === undefined || head.done || !iterator) return;
      yield head.value;
      heads[oldest] = await iterator.next();
    }
  } finally {
    await Promise.all(iterators.map((iterator) => iterator.return?.()));
  }
}

function sumStats(all: readonly ReadStats[]): ReadStats {
  const sum: ReadStats = { files: 0, lines: 0, events: 0, malformed: 0, firstMalformed: [] };
  for (const stats of all) {
    sum.files += stats.files;
    sum.lines += stats.lines;
    sum.events += stats.events;
    sum.malformed += stats.malformed;
    sum.firstMalformed.push(...stats.firstMalformed);
  }
  return sum;
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
