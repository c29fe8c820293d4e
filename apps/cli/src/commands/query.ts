import type { TelemetryEvent } from '@eventkit/core/telemetry';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { formatEvent } from '../event-format.js';
import { forEachEvent } from '../event-stream.js';
import { EXIT, UsageError } from '../exit-codes.js';
import type { InputFlags } from '../input-options.js';
import { createLineBuffer } from '../line-buffer.js';

export interface QueryFlags extends InputFlags {
  action?: string[];
  success?: boolean;
  failed?: boolean;
  minLatency?: number;
  maxLatency?: number;
  error?: string;
  limit?: number;
  pretty?: boolean;
}

/** The event filter a query's flags describe. */
export function createEventFilter(flags: QueryFlags): (event: TelemetryEvent) => boolean {
  if (flags.success && flags.failed) {
    throw new UsageError('--success and --failed exclude each other; use one, or neither for both');
  }
  if (
    flags.minLatency !== undefined &&
    flags.maxLatency !== undefined &&
    flags.minLatency > flags.maxLatency
  ) {
    throw new UsageError('--min-latency is above --max-latency, so nothing can match; swap them');
  }
  const wanted = flags.success ? true : flags.failed ? false : undefined;
  const errorText = flags.error?.toLowerCase();
  return (event) =>
    (wanted === undefined || event.success === wanted) &&
    (flags.minLatency === undefined || event.latency_ms >= flags.minLatency) &&
    (flags.maxLatency === undefined || event.latency_ms <= flags.maxLatency) &&
    (errorText === undefined || (event.error ?? '').toLowerCase().includes(errorText));
}

/** `eventkit query`: events matching every filter, as JSONL (or `--pretty` lines). */
export async function runQuery(
  ctx: CliContext,
  args: string[],
  flags: QueryFlags,
): Promise<number> {
  const matches = createEventFilter(flags);
  const c = colorsFor(ctx.stdout, ctx.env);
  const format = flags.pretty ? 'pretty' : 'jsonl';
  const out = createLineBuffer(ctx.stdout);
  let printed = 0;
  await forEachEvent(ctx, args, flags, { actions: splitList(flags.action) }, (event) => {
    if (!matches(event)) return true;
    out.push(formatEvent(event, format, c));
    printed += 1;
    return flags.limit === undefined || printed < flags.limit;
  });
  out.flush();
  return EXIT.ok;
}

/** `--action a,b --action c` to `['a','b','c']`. */
export function splitList(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const names = values
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 ? names : undefined;
}
