import {
  createSummaryBuilder,
  type GapEpisode,
  readTelemetry,
  type SummaryBuilder,
  type TelemetryInput,
} from '@eventkit/core/analysis';
import { TELEMETRY_GAP_ACTION, type TelemetryEvent } from '@eventkit/core/telemetry';
import { type BucketSeries, bucketWidthFor, createBucketSeries } from './time-buckets.js';

/** Distinct error messages tracked; later new ones count together, so memory stays bounded. */
export const ERROR_MESSAGES_KEPT = 500;
/** Longer messages are cut (the report shows a message, not a dump). */
const ERROR_MESSAGE_MAX = 300;
/** The key of failures with no error message. */
export const NO_MESSAGE = '(no error message)';
/** The key of failures whose message came after ERROR_MESSAGES_KEPT others. */
export const MORE_MESSAGES = '(other messages)';
/** Actions listed per error message. */
const ACTIONS_PER_MESSAGE = 5;

export interface CollectOptions {
  /** The report's period: events at or after `since` (Unix seconds)… */
  since?: number | undefined;
  /** …and before `until`; both open when undefined. */
  until?: number | undefined;
  /** Also collect the period of the same length just before `since`. */
  compare: boolean;
  /** Unix seconds: the period's end for its length when `until` is open. */
  now: number;
}

/** Everything the report needs, gathered in one pass over the inputs. */
export interface Collected {
  /**
   * With `since`: the period's requests. Without: every request before `until` (the period,
   * or both periods when comparing, are cut from it afterwards at a bucket edge).
   */
  current: BucketSeries;
  /** With `since` and `compare`: the requests of [since - length, since). */
  previous: BucketSeries | undefined;
  /** Every gap record's episode, whatever its time (a summary keeps those overlapping its window). */
  gaps: GapEpisode[];
  /** Gap records without a usable count of dropped events (malformed, as for `summarize`). */
  invalidGaps: { count: number; sample: TelemetryEvent | undefined };
  /** Malformed lines, counted and the first few kept, as in `summarize`. */
  malformed: SummaryBuilder;
  /** Actions seen with each error key (a few each). */
  errorActions: Map<string, Set<string>>;
}

/**
 * Reads the inputs once, in constant memory (whatever their length, at most MAX_BUCKETS
 * buckets a period), feeding each request to its period's bucket — a summary builder, a latency
 * histogram, the slowest requests and the failures by message — so the report's summary is the
 * merge of its buckets: the same numbers as `summarizeTelemetry` over the same window.
 */
export async function collectReport(
  inputs: TelemetryInput[],
  options: CollectOptions,
): Promise<Collected> {
  const { since, until, compare, now } = options;
  const end = until ?? Number.POSITIVE_INFINITY;
  const length = since === undefined ? undefined : (until ?? now) - since;
  const minWidth = length === undefined ? 1 : bucketWidthFor(length);
  const current = createBucketSeries(minWidth);
  const previous = compare && length !== undefined ? createBucketSeries(minWidth) : undefined;
  const previousSince = length === undefined || since === undefined ? 0 : since - length;
  const malformed = createSummaryBuilder();
  const gaps: GapEpisode[] = [];
  const invalidGaps: Collected['invalidGaps'] = { count: 0, sample: undefined };
  const errorActions = new Map<string, Set<string>>();

  const errorKey = (event: TelemetryEvent): string | undefined => {
    if (event.success) return undefined;
    let key = event.error ?? NO_MESSAGE;
    if (key.length > ERROR_MESSAGE_MAX) key = `${key.slice(0, ERROR_MESSAGE_MAX)}…`;
    let actions = errorActions.get(key);
    if (actions === undefined) {
      if (errorActions.size >= ERROR_MESSAGES_KEPT) key = MORE_MESSAGES;
      actions = errorActions.get(key) ?? new Set();
      errorActions.set(key, actions);
    }
    if (actions.size < ACTIONS_PER_MESSAGE) actions.add(event.action);
    return key;
  };

  // No time filter in the reader: a gap record counts by the time of the events it lost, which
  // may lie in the window when the record itself does not (as in `summarize`).
  const stream = readTelemetry(inputs, {
    includeRotated: false,
    onMalformed: (line) => malformed.addMalformed(line),
  });
  for await (const event of stream) {
    if (event.action === TELEMETRY_GAP_ACTION) {
      // core's own rule reads the episode (or refuses the record), through a throwaway builder.
      const probe = createSummaryBuilder();
      const episode = probe.add(event) ? probe.result().gaps.episodes[0] : undefined;
      if (episode !== undefined) gaps.push(episode);
      else {
        invalidGaps.count++;
        invalidGaps.sample ??= event;
      }
      continue;
    }
    const { ts } = event;
    if (ts >= end) continue;
    if (since === undefined || ts >= since) current.add(event, errorKey(event));
    else if (previous !== undefined && ts >= previousSince) previous.add(event, errorKey(event));
  }
  return { current, previous, gaps, invalidGaps, malformed, errorActions };
}
