import {
  type ActionFold,
  EXTRA_ACTIONS_CAP,
  foldAction,
  OTHER_ACTION,
} from '../metrics-catalog/metrics-catalog.js';
import { FIRST_MALFORMED_KEPT, type MalformedLine } from '../reader/telemetry-file.js';
import { TELEMETRY_ACTIONS, TELEMETRY_GAP_ACTION } from '../telemetry/event.js';
import {
  createLatencySketch,
  type LatencySketch,
  latencyBuffers,
  latencySketchFromJSON,
  type SerializedLatencySketch,
} from './latency-sketch.js';

/**
 * A summary keeps every latency, for exact percentiles, up to this many in all (8 bytes each:
 * about 160 MB). Past it, tens of millions of events in one window, every action's percentiles
 * come from a sketch (within 1%) in constant memory, and the summary says `approximate`.
 */
export const EXACT_LATENCY_LIMIT = 20_000_000;

/** Knobs of a summary builder. */
export interface SummaryBuilderOptions {
  /** The most latencies kept for exact percentiles (default EXACT_LATENCY_LIMIT). */
  exactLimit?: number;
  /**
   * Also keep one summary per instance (the line's `instance`), each under the same exact limit,
   * listed in the result's `instances`. Lines without one go under NO_INSTANCE.
   */
  byInstance?: boolean;
}

/**
 * Where a per-instance summary puts lines that carry no `instance` (written before lines named
 * their process, or by another writer).
 */
export const NO_INSTANCE = '(none)';

/** Per-action figures of a summary. */
export interface ActionSummary {
  count: number;
  failures: number;
  /** Share of all events, in percent (0..100). */
  share: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

/** One failure episode of a writer, from its gap record. */
export interface GapEpisode {
  /** Events not recorded. */
  dropped: number;
  /** `ts` of the first and last event lost (unix seconds). */
  since: number;
  until: number;
  /** Why, e.g. `ENOSPC: disk full`. */
  reason: string;
}

/** Gap records: events the writer could not record. Never counted as requests. */
export interface GapSummary {
  /** Gap records read. */
  records: number;
  /** Events they say were lost. */
  dropped: number;
  /** The earliest episodes (by `since`), at most MAX_GAP_EPISODES. */
  episodes: GapEpisode[];
}

/** How many episodes a summary lists (all are counted). */
export const MAX_GAP_EPISODES = 20;

/**
 * The seed's telemetry summary (`summarize_telemetry.py`), as data. Rates and shares are in
 * percent (0..100). Percentiles interpolate linearly between the two nearest samples (DuckDB's
 * `quantile_cont`, numpy's default) and are exact, unless `approximate`.
 */
export interface TelemetrySummary {
  total: number;
  failures: number;
  success_rate: number;
  error_rate: number;
  /** Lines skipped because they were not valid events. */
  malformed_lines: number;
  /** Where the first five malformed lines were (file order). */
  first_malformed: MalformedLine[];
  /** Earliest and latest event time (unix seconds), null when there are no events. */
  first_ts: number | null;
  last_ts: number | null;
  /** By action, most frequent first; unknown actions fold into `other` by `foldAction`'s rule. */
  actions: Record<string, ActionSummary>;
  /** Gap records (`telemetry_gap`), which no other field counts. */
  gaps: GapSummary;
  /**
   * True when the percentiles come from a sketch (within 1%), because the window held more than
   * the summary's exact limit (EXACT_LATENCY_LIMIT) of latencies; false when they are exact.
   */
  approximate: boolean;
  /**
   * With `byInstance`: the same summary for each instance's lines alone, by name (sorted), lines
   * without an instance under NO_INSTANCE. Malformed lines name no instance: they are counted in
   * the fleet's figures above only.
   */
  instances?: Record<string, TelemetrySummary>;
}

const KNOWN_ACTIONS: ReadonlySet<string> = new Set(TELEMETRY_ACTIONS);

interface ActionState {
  count: number;
  failures: number;
  latency: LatencySketch;
}

/** Plain-data form of a builder, for `postMessage` between worker threads. */
export interface SerializedSummary {
  total: number;
  failures: number;
  malformed: number;
  firstMalformed: MalformedLine[];
  firstTs: number;
  lastTs: number;
  /** More extra actions were seen than `foldAction` keeps: every one counts as `other`. */
  folded: boolean;
  actions: { name: string; count: number; failures: number; latency: SerializedLatencySketch }[];
  gaps: GapSummary;
  /** The latencies went over the exact limit: percentiles come from sketches. */
  approximate: boolean;
  /** Per-instance summaries, when the builder keeps them. */
  instances?: Record<string, SerializedSummary>;
}

/** The buffers of a serialized summary's latencies, for `postMessage`'s transfer list. */
export function summaryBuffers(data: SerializedSummary): ArrayBuffer[] {
  const own = data.actions.flatMap((entry) => latencyBuffers(entry.latency));
  const grouped = Object.values(data.instances ?? {}).flatMap(summaryBuffers);
  return [...new Set([...own, ...grouped])];
}

/** The minimum an event needs for a summary; a full TelemetryEvent fits. */
export interface SummaryEvent {
  ts: number;
  action: string;
  success: boolean;
  latency_ms: number;
  /** A gap record's `dropped`, `since` and `until`. */
  payload?: Record<string, unknown>;
  /** A gap record's reason. */
  error?: string | null;
  /** The process that wrote it (per-instance summaries group by it). */
  instance?: string;
}

export interface SummaryBuilder {
  /**
   * Adds one event; false when it is not usable (skipped and counted as malformed). A gap
   * record (`telemetry_gap`) goes to `gaps`, not to the requests.
   */
  add(event: SummaryEvent): boolean;
  /** Adds a gap record's episode (also to its instance's summary, when kept). */
  addGap(episode: GapEpisode, instance?: string): void;
  /**
   * The same, without an event object (the reader's fast path); `instance` matters only to a
   * builder that keeps per-instance summaries.
   */
  addSample(
    action: string,
    success: boolean,
    latencyMs: number,
    ts: number,
    instance?: string,
  ): void;
  /**
   * Adds `n` samples of one action at once: their latencies in `latencies[0..n)` (all valid),
   * how many failed, and their earliest and latest `ts`. Same result as `n` addSample calls;
   * with `n` = 0 it only registers a known action (the order names first appear in is kept):
   * an extra action takes room under `EXTRA_ACTIONS_CAP` with its first sample. Names no
   * instance: a builder that keeps per-instance summaries takes lines through addSample.
   */
  addBatch(
    action: string,
    latencies: Float64Array,
    n: number,
    failed: number,
    minTs: number,
    maxTs: number,
  ): void;
  /** Counts a skipped line (the first five are kept with their location). */
  addMalformed(malformed: MalformedLine): void;
  /** Adds everything another builder saw; the result equals one pass over both inputs. */
  merge(other: SummaryBuilder): void;
  /** Latency over all actions (for window metrics); shares the actions' samples, copies none. */
  overallLatency(): LatencySketch;
  /** Each instance's builder (sorted by name) when per-instance summaries are kept, else undefined. */
  instances(): [string, SummaryBuilder][] | undefined;
  result(): TelemetrySummary;
  toJSON(): SerializedSummary;
}

/**
 * A gap record's episode: its payload's `dropped`, `since`, `until` (the record's own ts when
 * missing) and `error`; undefined when `dropped` is not a count.
 */
export function gapEpisode(event: SummaryEvent): GapEpisode | undefined {
  const { dropped, since, until } = event.payload ?? {};
  if (typeof dropped !== 'number' || !Number.isInteger(dropped) || dropped < 0) return undefined;
  const time = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) ? value : event.ts;
  return {
    dropped,
    since: time(since),
    until: time(until),
    reason: event.error ?? 'unknown',
  };
}

function mergeEpisodes(into: GapEpisode[], more: GapEpisode[]): GapEpisode[] {
  return [...into, ...more].sort((a, b) => a.since - b.since).slice(0, MAX_GAP_EPISODES);
}

function percent(part: number, whole: number): number {
  return whole > 0 ? (part / whole) * 100 : 0;
}

/**
 * Accumulates the seed's summary: totals, success and error rate, per-action counts, shares and
 * exact p50/p95/p99 (linear interpolation). It keeps every latency (8 bytes each) up to
 * `exactLimit`, then switches every action to a sketch (within 1%, constant memory) and marks
 * the summary `approximate`. Builders merge, so files or byte ranges can be summarised apart (in
 * worker threads) and combined exactly. Unknown actions fold into `other` by `foldAction`'s rule.
 *
 * @example
 * const builder = createSummaryBuilder();
 * for await (const event of readTelemetry('telemetry.jsonl')) builder.add(event);
 * const { total, success_rate, actions } = builder.result();
 */
export function createSummaryBuilder({
  exactLimit = EXACT_LATENCY_LIMIT,
  byInstance = false,
}: SummaryBuilderOptions = {}): SummaryBuilder {
  let total = 0;
  /** Latencies kept for exact percentiles, across actions; -1 once approximate. */
  let kept = 0;
  let failures = 0;
  let malformed = 0;
  let firstMalformed: MalformedLine[] = [];
  let firstTs = Number.POSITIVE_INFINITY;
  let lastTs = Number.NEGATIVE_INFINITY;
  const fold: ActionFold = { extras: new Set(), overflowed: false };
  const actions = new Map<string, ActionState>();
  let gaps: GapSummary = { records: 0, dropped: 0, episodes: [] };
  /**
   * Whether per-instance builders are kept (asked for, or merged in from a builder that keeps
   * them): every sample then goes to the fleet's figures and to its instance's builder.
   */
  let grouping = byInstance;
  const groups = new Map<string, SummaryBuilder>();

  function group(instance: string | undefined): SummaryBuilder {
    const name = instance ?? NO_INSTANCE;
    let member = groups.get(name);
    if (!member) {
      member = createSummaryBuilder({ exactLimit });
      groups.set(name, member);
    }
    return member;
  }

  function addGap(episode: GapEpisode, instance?: string): void {
    if (grouping) group(instance).addGap(episode);
    gaps = {
      records: gaps.records + 1,
      dropped: gaps.dropped + episode.dropped,
      episodes: mergeEpisodes(gaps.episodes, [episode]),
    };
  }

  function row(name: string): ActionState {
    let state = actions.get(name);
    if (!state) {
      state = { count: 0, failures: 0, latency: createLatencySketch() };
      if (kept < 0) state.latency.approximate();
      actions.set(name, state);
    }
    return state;
  }

  /** Past the exact limit, every action's samples give way to a sketch. */
  function keepLatencies(added: number): void {
    if (kept < 0) return;
    kept += added;
    if (kept <= exactLimit) return;
    kept = -1;
    for (const state of actions.values()) state.latency.approximate();
  }

  /** Past the cap a summary cannot tell which extras came first: all of them become `other`. */
  function foldExtras(): void {
    fold.overflowed = true;
    for (const name of fold.extras) {
      const state = actions.get(name);
      if (!state) continue;
      const other = row(OTHER_ACTION);
      other.count += state.count;
      other.failures += state.failures;
      other.latency.merge(state.latency);
      actions.delete(name);
    }
    fold.extras.clear();
  }

  function stateFor(action: string): ActionState {
    const state = actions.get(action);
    if (state) return state;
    const name = foldAction(action, fold, fold.overflowed ? 0 : EXTRA_ACTIONS_CAP);
    if (fold.overflowed && fold.extras.size > 0) foldExtras();
    return row(name);
  }

  function addSample(
    action: string,
    success: boolean,
    latencyMs: number,
    ts: number,
    instance?: string,
  ): void {
    if (grouping) group(instance).addSample(action, success, latencyMs, ts);
    const state = stateFor(action);
    state.count++;
    total++;
    if (!success) {
      state.failures++;
      failures++;
    }
    if (state.latency.add(latencyMs)) keepLatencies(1);
    if (ts < firstTs) firstTs = ts;
    if (ts > lastTs) lastTs = ts;
  }

  function addBatch(
    action: string,
    latencies: Float64Array,
    n: number,
    failed: number,
    minTs: number,
    maxTs: number,
  ): void {
    if (n === 0) {
      if (KNOWN_ACTIONS.has(action)) row(action);
      return;
    }
    const state = stateFor(action);
    state.count += n;
    total += n;
    state.failures += failed;
    failures += failed;
    state.latency.addAll(latencies, n);
    keepLatencies(n);
    if (minTs < firstTs) firstTs = minTs;
    if (maxTs > lastTs) lastTs = maxTs;
  }

  function addMalformed(line: MalformedLine): void {
    malformed++;
    if (firstMalformed.length < FIRST_MALFORMED_KEPT) firstMalformed.push(line);
  }

  function absorb(data: SerializedSummary): void {
    total += data.total;
    failures += data.failures;
    malformed += data.malformed;
    firstMalformed = [...firstMalformed, ...data.firstMalformed].slice(0, FIRST_MALFORMED_KEPT);
    if (data.firstTs < firstTs) firstTs = data.firstTs;
    if (data.lastTs > lastTs) lastTs = data.lastTs;
    if (data.folded && !fold.overflowed) foldExtras();
    gaps = {
      records: gaps.records + data.gaps.records,
      dropped: gaps.dropped + data.gaps.dropped,
      episodes: mergeEpisodes(gaps.episodes, data.gaps.episodes),
    };
    for (const entry of data.actions) {
      const state = stateFor(entry.name);
      state.count += entry.count;
      state.failures += entry.failures;
      state.latency.merge(latencySketchFromJSON(entry.latency));
      keepLatencies(entry.latency.count);
    }
    if (data.approximate) keepLatencies(Number.POSITIVE_INFINITY);
    if (data.instances !== undefined) grouping = true;
    for (const [name, member] of Object.entries(data.instances ?? {})) {
      group(name).merge(serialized(member));
    }
  }

  function sortedGroups(): [string, SummaryBuilder][] | undefined {
    if (!grouping) return undefined;
    return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  const builder: SummaryBuilder = {
    add(event) {
      const { ts, action, success, latency_ms: latency } = event;
      const usable =
        typeof action === 'string' &&
        action.length > 0 &&
        typeof success === 'boolean' &&
        Number.isFinite(ts) &&
        Number.isFinite(latency) &&
        latency >= 0;
      if (!usable) {
        malformed++;
        return false;
      }
      if (action === TELEMETRY_GAP_ACTION) {
        const episode = gapEpisode(event);
        if (episode === undefined) {
          malformed++;
          return false;
        }
        addGap(episode, event.instance);
        return true;
      }
      addSample(action, success, latency, ts, event.instance);
      return true;
    },
    addGap,
    addSample,
    addBatch,
    addMalformed,
    merge(other) {
      absorb(other.toJSON());
    },
    overallLatency() {
      const overall = createLatencySketch();
      for (const state of actions.values()) overall.merge(state.latency);
      return overall;
    },
    instances: sortedGroups,
    result() {
      const entries = [...actions.entries()].sort(
        ([a, x], [b, y]) => y.count - x.count || (a < b ? -1 : a > b ? 1 : 0),
      );
      const byAction: Record<string, ActionSummary> = {};
      for (const [name, state] of entries) {
        const [p50 = 0, p95 = 0, p99 = 0] = state.latency.quantiles([0.5, 0.95, 0.99]) ?? [];
        byAction[name] = {
          count: state.count,
          failures: state.failures,
          share: percent(state.count, total),
          p50_ms: p50,
          p95_ms: p95,
          p99_ms: p99,
        };
      }
      const summary: TelemetrySummary = {
        total,
        failures,
        success_rate: percent(total - failures, total),
        error_rate: percent(failures, total),
        malformed_lines: malformed,
        first_malformed: [...firstMalformed],
        first_ts: total > 0 ? firstTs : null,
        last_ts: total > 0 ? lastTs : null,
        actions: byAction,
        gaps: { ...gaps, episodes: gaps.episodes.map((episode) => ({ ...episode })) },
        approximate: kept < 0,
      };
      const members = sortedGroups();
      if (members !== undefined) {
        summary.instances = Object.fromEntries(
          members.map(([name, member]) => [name, member.result()]),
        );
      }
      return summary;
    },
    toJSON() {
      const data: SerializedSummary = {
        total,
        failures,
        malformed,
        firstMalformed: [...firstMalformed],
        firstTs,
        lastTs,
        folded: fold.overflowed,
        actions: [...actions.entries()].map(([name, state]) => ({
          name,
          count: state.count,
          failures: state.failures,
          latency: state.latency.toJSON(),
        })),
        gaps: { ...gaps, episodes: [...gaps.episodes] },
        approximate: kept < 0,
      };
      if (grouping) {
        data.instances = Object.fromEntries(
          [...groups.entries()].map(([name, member]) => [name, member.toJSON()]),
        );
      }
      return data;
    },
  };
  return builder;
}

/** A stand-in whose only use is `merge`'s: handing over serialized data. */
function serialized(data: SerializedSummary): SummaryBuilder {
  return { toJSON: () => data } as SummaryBuilder;
}

/** Rebuilds a builder sent by `toJSON()` (e.g. from a worker thread). */
export function summaryBuilderFromJSON(
  data: SerializedSummary,
  options: SummaryBuilderOptions = {},
): SummaryBuilder {
  const builder = createSummaryBuilder(options);
  builder.merge(serialized(data));
  return builder;
}
