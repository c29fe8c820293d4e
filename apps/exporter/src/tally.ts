import {
  AUTH_FAILURE_ACTION,
  createLineDecoder,
  LATENCY_BUCKETS_SECONDS,
} from '@eventkit/core/telemetry';
import { createActionFolder, initialActionLabels } from './action-folder.js';

/** Per-action totals; `buckets[i]` counts observations in (bound[i-1], bound[i]], the last one +Inf. */
export interface ActionTally {
  requests: number;
  errors: number;
  latencySum: number;
  buckets: number[];
}

/** Everything the exporter has counted; plain JSON so a checkpoint can hold it. */
export interface TallySnapshot {
  actions: Record<string, ActionTally>;
  admittedActions: string[];
  authFailures: number;
  lines: number;
  malformedLines: number;
  rotations: number;
  /** Newest event `ts` seen (unix seconds), or null before the first event. */
  newestTs: number | null;
}

export interface TelemetryTally {
  /** Counts one complete line, bytes [start, end) of `buf` without the newline: valid, or malformed. */
  countLine(buf: Buffer, start: number, end: number): void;
  /** Counts a line that was dropped without parsing (over the length limit, cut by a rotation). */
  countDroppedLine(): void;
  countRotation(): void;
  snapshot(): TallySnapshot;
  /** Live view for the metrics; do not mutate. */
  readonly state: Readonly<TallySnapshot>;
}

function emptyAction(): ActionTally {
  return {
    requests: 0,
    errors: 0,
    latencySum: 0,
    buckets: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0),
  };
}

function bucketIndex(seconds: number): number {
  // Linear scan: ten bounds, and most latencies land in the first few.
  let i = 0;
  while (i < LATENCY_BUCKETS_SECONDS.length && seconds > (LATENCY_BUCKETS_SECONDS[i] as number))
    i++;
  return i;
}

/**
 * The exporter's counters, fed line by line through core's line decoder (core's definition of a
 * valid line). Restorable from a snapshot, so a restart continues the same counters.
 *
 * @example
 * const tally = createTelemetryTally();
 * const line = Buffer.from('{"ts":1,"action":"recommend","success":true,"latency_ms":3}');
 * tally.countLine(line, 0, line.length);
 * tally.state.actions.recommend?.requests; // 1
 */
export function createTelemetryTally(restored?: TallySnapshot): TelemetryTally {
  const state: TallySnapshot = restored
    ? structuredClone(restored)
    : {
        actions: {},
        admittedActions: [],
        authFailures: 0,
        lines: 0,
        malformedLines: 0,
        rotations: 0,
        newestTs: null,
      };
  for (const label of initialActionLabels()) state.actions[label] ??= emptyAction();
  const folder = createActionFolder({ admitted: state.admittedActions });

  const decoder = createLineDecoder();

  function record(action: string, success: boolean, latencyMs: number, ts: number): void {
    const label = folder.fold(action);
    let tally = state.actions[label];
    if (!tally) {
      tally = emptyAction();
      state.actions[label] = tally;
      state.admittedActions = folder.admitted();
    }
    tally.requests++;
    if (!success) tally.errors++;
    const seconds = latencyMs / 1000;
    tally.latencySum += seconds;
    (tally.buckets[bucketIndex(seconds)] as number)++;
    if (action === AUTH_FAILURE_ACTION) state.authFailures++;
    if (state.newestTs === null || ts > state.newestTs) state.newestTs = ts;
  }

  return {
    countLine(buf, start, end) {
      state.lines++;
      if (decoder.decode(buf, start, end)) {
        record(decoder.action, decoder.success, decoder.latencyMs, decoder.ts);
      } else state.malformedLines++;
    },
    countDroppedLine() {
      state.lines++;
      state.malformedLines++;
    },
    countRotation() {
      state.rotations++;
    },
    snapshot: () => structuredClone(state),
    state,
  };
}
