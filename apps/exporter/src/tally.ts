import {
  AUTH_FAILURE_ACTION,
  createLineDecoder,
  LATENCY_BUCKETS_SECONDS,
  TELEMETRY_GAP_ACTION,
} from '@eventkit/core/telemetry';
import { createActionFolder, initialActionLabels } from './action-folder.js';

/** One line behind a count, for an OpenMetrics exemplar: `{trace_id="…"} value ts`. */
export interface TallyExemplar {
  traceId: string;
  /** Latency in seconds for a bucket; 1 for an error. */
  value: number;
  /** The line's `ts` (unix seconds). */
  ts: number;
}

/** Per-action totals; `buckets[i]` counts observations in (bound[i-1], bound[i]], the last one +Inf. */
export interface ActionTally {
  requests: number;
  errors: number;
  latencySum: number;
  buckets: number[];
  /** The latest line with a usable trace id to land in each bucket (see `EXEMPLAR_TRACE_ID`). */
  bucketExemplars: Array<TallyExemplar | null>;
  /** The latest failed line with a usable trace id. */
  errorExemplar: TallyExemplar | null;
}

/** Everything the exporter has counted; plain JSON so a checkpoint can hold it. */
export interface TallySnapshot {
  actions: Record<string, ActionTally>;
  admittedActions: string[];
  authFailures: number;
  lines: number;
  malformedLines: number;
  rotations: number;
  /** Sum of `payload.dropped` over the gap records: lines the agent could not write. */
  telemetryDropped: number;
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
  /**
   * Live view for the metrics; do not mutate. Read it again at each use: reading it is what
   * brings the exemplars up to date with the lines counted.
   */
  readonly state: Readonly<TallySnapshot>;
}

function emptyAction(): ActionTally {
  return {
    requests: 0,
    errors: 0,
    latencySum: 0,
    buckets: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0),
    bucketExemplars: new Array<TallyExemplar | null>(LATENCY_BUCKETS_SECONDS.length + 1).fill(null),
    errorExemplar: null,
  };
}

/** A checkpoint written before exemplars and gap records has neither: start them empty. */
function upgrade(state: TallySnapshot): TallySnapshot {
  state.telemetryDropped ??= 0;
  for (const tally of Object.values(state.actions)) {
    tally.bucketExemplars ??= emptyAction().bucketExemplars;
    tally.errorExemplar ??= null;
  }
  return state;
}

/**
 * Trace ids that become exemplars: 1 to 64 characters of `[0-9A-Za-z._:-]`. That covers W3C
 * trace ids (what the agent writes), UUIDs and the Python agent's correlation ids, and keeps
 * `trace_id="…"` far inside OpenMetrics' 128-character limit for an exemplar's labels, with
 * nothing to escape. A line with another trace id is counted all the same, without an exemplar.
 */
const EXEMPLAR_TRACE_ID = /^[0-9A-Za-z._:-]{1,64}$/;
const EXEMPLAR_TRACE_ID_MAX = 64;
/** The same rule byte by byte, for trace ids still in the read buffer: derived, not restated. */
const EXEMPLAR_TRACE_ID_BYTE = Uint8Array.from({ length: 256 }, (_, byte) =>
  EXEMPLAR_TRACE_ID.test(String.fromCharCode(byte)) ? 1 : 0,
);

/**
 * The latest line with a usable trace id for one bucket (or the errors), waiting to become a
 * `TallyExemplar`. Building a string and an object for every line cost a third of the catch-up,
 * while only the last one before a scrape or checkpoint is ever seen: so the trace id is copied
 * here as bytes (the read buffer is reused) and turned into an exemplar when the state is read.
 */
interface PendingExemplar {
  readonly target: ActionTally;
  /** The bucket's index, or -1 for the errors exemplar. */
  readonly bucket: number;
  bytes: Buffer;
  length: number;
  value: number;
  ts: number;
  /** In the list of exemplars to build at the next read. */
  queued: boolean;
}

/** The pending exemplars of one action, beside its counts. */
interface ActionEntry {
  tally: ActionTally;
  buckets: PendingExemplar[];
  error: PendingExemplar;
}

function pendingExemplar(target: ActionTally, bucket: number): PendingExemplar {
  return {
    target,
    bucket,
    bytes: Buffer.alloc(EXEMPLAR_TRACE_ID_MAX),
    length: 0,
    value: 0,
    ts: 0,
    queued: false,
  };
}

/** `payload.dropped` of a gap record, or undefined when it is not a non-negative integer. */
function droppedOf(payload: Record<string, unknown>): number | undefined {
  const dropped = payload.dropped;
  return typeof dropped === 'number' && Number.isSafeInteger(dropped) && dropped >= 0
    ? dropped
    : undefined;
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
    ? upgrade(structuredClone(restored))
    : {
        actions: {},
        admittedActions: [],
        authFailures: 0,
        lines: 0,
        malformedLines: 0,
        rotations: 0,
        telemetryDropped: 0,
        newestTs: null,
      };
  for (const label of initialActionLabels()) state.actions[label] ??= emptyAction();
  const folder = createActionFolder({ admitted: state.admittedActions });

  const decoder = createLineDecoder();
  const entries = new Map<string, ActionEntry>();
  /** Exemplars that changed since the state was last read. */
  const queued: PendingExemplar[] = [];
  /** The trace id being checked; swapped with a pending exemplar's bytes when it is usable. */
  let scratch: Buffer = Buffer.alloc(EXEMPLAR_TRACE_ID_MAX);

  /** Copies a trace id from the read buffer to `scratch`: its length, or 0 when it is not usable. */
  function scanTraceId(buf: Buffer, start: number, end: number): number {
    const length = end - start;
    if (length < 1 || length > EXEMPLAR_TRACE_ID_MAX) return 0;
    for (let i = 0; i < length; i++) {
      const byte = buf[start + i] as number;
      if (EXEMPLAR_TRACE_ID_BYTE[byte] === 0) return 0;
      scratch[i] = byte;
    }
    return length;
  }

  /** The same for a trace id the decoder's slow path gave as a string. */
  function scanTraceIdString(traceId: string | undefined): number {
    if (traceId === undefined || !EXEMPLAR_TRACE_ID.test(traceId)) return 0;
    for (let i = 0; i < traceId.length; i++) scratch[i] = traceId.charCodeAt(i);
    return traceId.length;
  }

  function entryOf(label: string): ActionEntry {
    let entry = entries.get(label);
    if (entry) return entry;
    let tally = state.actions[label];
    if (!tally) {
      tally = emptyAction();
      state.actions[label] = tally;
      state.admittedActions = folder.admitted();
    }
    const target = tally;
    entry = {
      tally: target,
      buckets: target.buckets.map((_, i) => pendingExemplar(target, i)),
      error: pendingExemplar(target, -1),
    };
    entries.set(label, entry);
    return entry;
  }

  function hold(pending: PendingExemplar, length: number, value: number, ts: number): void {
    pending.length = length;
    pending.value = value;
    pending.ts = ts;
    if (!pending.queued) {
      pending.queued = true;
      queued.push(pending);
    }
  }

  /** Turns the exemplars held since the last read into the state's `TallyExemplar`s. */
  function settleExemplars(): void {
    for (const pending of queued) {
      const exemplar: TallyExemplar = {
        traceId: pending.bytes.toString('latin1', 0, pending.length),
        value: pending.value,
        ts: pending.ts,
      };
      if (pending.bucket < 0) pending.target.errorExemplar = exemplar;
      else pending.target.bucketExemplars[pending.bucket] = exemplar;
      pending.queued = false;
    }
    queued.length = 0;
  }

  /** `traceLength`: the usable trace id's length, in `scratch`; 0 for none (no exemplar). */
  function record(
    action: string,
    success: boolean,
    latencyMs: number,
    ts: number,
    traceLength: number,
  ): void {
    const entry = entryOf(folder.fold(action));
    const tally = entry.tally;
    tally.requests++;
    if (!success) tally.errors++;
    const seconds = latencyMs / 1000;
    tally.latencySum += seconds;
    const bucket = bucketIndex(seconds);
    (tally.buckets[bucket] as number)++;
    if (traceLength > 0) {
      const pending = entry.buckets[bucket] as PendingExemplar;
      const bytes = pending.bytes;
      pending.bytes = scratch;
      scratch = bytes;
      hold(pending, traceLength, seconds, ts);
      if (!success) {
        pending.bytes.copy(entry.error.bytes, 0, 0, traceLength);
        hold(entry.error, traceLength, 1, ts);
      }
    }
    if (action === AUTH_FAILURE_ACTION) state.authFailures++;
    seen(ts);
  }

  function seen(ts: number): void {
    if (state.newestTs === null || ts > state.newestTs) state.newestTs = ts;
  }

  /** A gap record is not a request: it only adds to the dropped count (see TELEMETRY_GAP_ACTION). */
  function recordGap(): boolean {
    const dropped = droppedOf(decoder.event().payload);
    if (dropped === undefined) return false;
    state.telemetryDropped += dropped;
    seen(decoder.ts);
    return true;
  }

  return {
    countLine(buf, start, end) {
      state.lines++;
      if (!decoder.decode(buf, start, end)) state.malformedLines++;
      else if (decoder.action !== TELEMETRY_GAP_ACTION) {
        const traceLength =
          decoder.traceStart >= 0
            ? scanTraceId(buf, decoder.traceStart, decoder.traceEnd)
            : scanTraceIdString(decoder.traceId);
        record(decoder.action, decoder.success, decoder.latencyMs, decoder.ts, traceLength);
      } else if (!recordGap()) state.malformedLines++;
    },
    countDroppedLine() {
      state.lines++;
      state.malformedLines++;
    },
    countRotation() {
      state.rotations++;
    },
    snapshot() {
      settleExemplars();
      return structuredClone(state);
    },
    get state() {
      settleExemplars();
      return state;
    },
  };
}
