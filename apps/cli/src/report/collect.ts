import {
  createSummaryBuilder,
  type GapEpisode,
  type SummaryLine,
  summarizeTelemetry,
  type TelemetryInput,
  type TelemetrySummary,
} from '@eventkit/core/analysis';
import { TELEMETRY_GAP_ACTION } from '@eventkit/core/telemetry';
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
  /**
   * Malformed lines (gap records without a usable count of dropped events among them), counted
   * and the first few kept, as by `summarize`, which read them.
   */
  malformed: Pick<TelemetrySummary, 'malformed_lines' | 'first_malformed'>;
  /** Actions seen with each error key (a few each). */
  errorActions: Map<string, Set<string>>;
}

/**
 * Reads the inputs once, in constant memory (whatever their length, at most MAX_BUCKETS
 * buckets a period), feeding each request to its period's bucket — a summary builder, a latency
 * histogram, the slowest requests and the failures by message — so the report's summary is the
 * merge of its buckets: the same numbers as `summarizeTelemetry` over the same window. The pass
 * is core's summary run itself, through its per-line hook: lines come from the line decoder
 * without building an event, except for a failure's message, a slow request's details and a
 * gap record.
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
  const gaps: GapEpisode[] = [];
  const errorActions = new Map<string, Set<string>>();

  const errorKey = (line: SummaryLine): string | undefined => {
    if (line.success) return undefined;
    let key = line.event().error ?? NO_MESSAGE;
    if (key.length > ERROR_MESSAGE_MAX) key = `${key.slice(0, ERROR_MESSAGE_MAX)}…`;
    let actions = errorActions.get(key);
    if (actions === undefined) {
      if (errorActions.size >= ERROR_MESSAGES_KEPT) key = MORE_MESSAGES;
      actions = errorActions.get(key) ?? new Set();
      errorActions.set(key, actions);
    }
    if (actions.size < ACTIONS_PER_MESSAGE) actions.add(line.action);
    return key;
  };

  const onLine = (line: SummaryLine): void => {
    if (line.action === TELEMETRY_GAP_ACTION) {
      // core's own rule reads the episode, through a throwaway builder; a record it refuses is
      // counted as malformed by the summary run.
      const probe = createSummaryBuilder();
      const episode = probe.add(line.event()) ? probe.result().gaps.episodes[0] : undefined;
      if (episode !== undefined) gaps.push(episode);
      return;
    }
    const { ts } = line;
    if (ts >= end) return;
    if (since === undefined || ts >= since) current.add(line, errorKey(line));
    else if (previous !== undefined && ts >= previousSince) previous.add(line, errorKey(line));
  };
  // The run's own summary is not the report's (that one is the merge of the buckets): keeping no
  // action (`actions: []`) leaves it empty but for the malformed lines, which are the report's.
  // No time filter: the hook sees every line, and a gap record counts by the time of the events
  // it lost, which may lie in the window when the record itself does not (as in `summarize`).
  const run = await summarizeTelemetry(inputs, { includeRotated: false, actions: [], onLine });
  const malformed = { malformed_lines: run.malformed_lines, first_malformed: run.first_malformed };
  return { current, previous, gaps, malformed, errorActions };
}
