import { UsageError } from './exit-codes.js';
import { formatCount } from './number-format.js';

/** summarize's, slo's, alert's and the dashboard's percentile definition, for their --help. */
export const LINEAR_PERCENTILES_HELP = `
Percentiles are exact: the value at position (n - 1) * q of the sorted latencies, interpolated
linearly between its two neighbours (DuckDB's quantile_cont, numpy's default).`;

/** slo's and alert's: summarize's definition, over all actions in the window. */
export const WINDOW_PERCENTILES_HELP = `${LINEAR_PERCENTILES_HELP}
They are summarize's, taken over all actions in the window.`;

/** metrics' definitions, for its --help. */
export const SEED_PERCENTILES_HELP = `
Computed as the seed's calculate_metrics does: latency percentiles are exact, sorted[int(n * q)]
over all actions (n latencies in the window, sorted); requests_per_second = total / window.`;

/** Both, about the memory bound. */
export const APPROXIMATE_HELP = `
Every latency is kept (8 bytes each) up to EVENTKIT_EXACT_LIMIT latencies in the window (see the
README); past it, percentiles come from a sketch, within 1%, shown with ≈ ("approximate": true
in JSON).`;

/**
 * The bound set by EVENTKIT_EXACT_LIMIT, or undefined for core's default.
 *
 * @throws UsageError when it is not a positive whole number
 */
export function exactLimitFrom(env: Record<string, string | undefined>): number | undefined {
  const text = env.EVENTKIT_EXACT_LIMIT;
  if (text === undefined || text === '') return undefined;
  const limit = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new UsageError(
      `EVENTKIT_EXACT_LIMIT=${text}: expected a positive whole number of latencies (e.g. 20000000); unset it for the default`,
    );
  }
  return limit;
}

/** `≈` in front of a figure that comes from the sketch. */
export function approx(text: string, approximate: boolean): string {
  return approximate ? `≈${text}` : text;
}

/** The line that says why figures are marked ≈. */
export function approximateNote(limit: number | undefined): string {
  const more = limit === undefined ? 'more' : `more than ${formatCount(limit)}`;
  return `≈ percentiles are approximate (within 1%): ${more} latencies in the window than are kept for exact ones; raise EVENTKIT_EXACT_LIMIT to keep them all`;
}
