import { isUtf8 } from 'node:buffer';
import { type ParsedLine, parseTelemetryLine, type TelemetryEvent } from '../telemetry/event.js';
import { createScannedLine, scanCanonicalLine } from './line-scanner.js';

/**
 * Decodes telemetry lines straight from a read buffer. One decoder serves any number of lines;
 * its fields describe the last line decoded.
 */
export interface LineDecoder {
  /**
   * Decodes bytes [start, end) of `buf` (one line, without its newline): true for a valid
   * event, whose fields are then set; false for a malformed line, with `reason` set.
   */
  decode(buf: Buffer, start: number, end: number): boolean;
  readonly ts: number;
  readonly action: string;
  readonly success: boolean;
  readonly latencyMs: number;
  /** The line's `trace_id`, or undefined when it has none. */
  readonly traceId: string | undefined;
  /**
   * Where the trace id lies in the buffer, for a caller that keeps it without building a string
   * per line: bytes [traceStart, traceEnd) of the last buffer decoded, ASCII without escapes, so
   * they are the trace id itself. -1 when the fast scanner did not give one (no trace id, or a
   * line the slow path decoded): read `traceId` then.
   */
  readonly traceStart: number;
  readonly traceEnd: number;
  /**
   * The line's `instance` (the process that wrote it, e.g. `web1-w2`), or undefined when it has
   * none: what a per-instance breakdown groups by.
   */
  readonly instance: string | undefined;
  /** Why the last line was malformed (`invalid JSON`, `latency_ms: ...`, `invalid UTF-8`). */
  readonly reason: string;
  /**
   * The whole event of the last valid line, as `parseTelemetryLine` gives it. Call it before
   * the buffer's bytes change.
   */
  event(): TelemetryEvent;
}

/** The slow path for one line: UTF-8 check, then `parseTelemetryLine`, the definition of validity. */
function parseLineBytes(buf: Buffer, start: number, end: number): ParsedLine {
  const bytes = buf.subarray(start, end);
  if (!isUtf8(bytes)) return { ok: false, reason: 'invalid UTF-8' };
  // parseTelemetryLine catches the errors JSON.parse and the schema throw; their stack traces
  // are never looked at, and capturing them dominated the cost of a malformed line.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseTelemetryLine(bytes.toString('utf8'));
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** The event the schema would produce, from a line the canonical scanner has vouched for. */
function eventFromCanonical(text: string): TelemetryEvent {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const event: TelemetryEvent = {
    ts: raw.ts as number,
    action: raw.action as string,
    success: raw.success as boolean,
    latency_ms: raw.latency_ms as number,
    payload: (raw.payload ?? {}) as Record<string, unknown>,
    error: (raw.error ?? null) as string | null,
  };
  if (raw.trace_id !== undefined) event.trace_id = raw.trace_id as string;
  if (raw.instance !== undefined) event.instance = raw.instance as string;
  return event;
}

/**
 * The one way to decode a telemetry line from bytes. Lines in the canonical shape (our writer's
 * and most JSON encoders' output) take a byte scanner that reads only the fields metrics need;
 * anything else goes through `parseTelemetryLine`, the definition of validity. Both paths give
 * the same answer (a property test holds the scanner to `parseTelemetryLine`).
 *
 * @example
 * const decoder = createLineDecoder();
 * const line = Buffer.from('{"ts":1,"action":"recommend","success":true,"latency_ms":3}');
 * if (decoder.decode(line, 0, line.length)) console.log(decoder.action, decoder.latencyMs);
 * else console.log(`malformed: ${decoder.reason}`);
 */
export function createLineDecoder(): LineDecoder {
  const scanned = createScannedLine();
  let line: Buffer = Buffer.alloc(0);
  let lineStart = 0;
  let lineEnd = 0;
  /** The slow path's event, or undefined when the scanner took the line. */
  let parsed: TelemetryEvent | undefined;

  const decoder = {
    ts: 0,
    action: '',
    success: false,
    latencyMs: 0,
    traceStart: -1,
    traceEnd: -1,
    reason: '',
    decode(buf: Buffer, start: number, end: number): boolean {
      line = buf;
      lineStart = start;
      lineEnd = end;
      if (scanCanonicalLine(buf, start, end, scanned)) {
        parsed = undefined;
        decoder.ts = scanned.ts;
        decoder.action = buf.toString('latin1', scanned.actionStart, scanned.actionEnd);
        decoder.success = scanned.success;
        decoder.latencyMs = scanned.latencyMs;
        decoder.traceStart = scanned.traceStart;
        decoder.traceEnd = scanned.traceStart < 0 ? -1 : scanned.traceEnd;
        return true;
      }
      const result = parseLineBytes(buf, start, end);
      if (!result.ok) {
        parsed = undefined;
        decoder.reason = result.reason;
        return false;
      }
      parsed = result.event;
      decoder.traceStart = -1;
      decoder.traceEnd = -1;
      decoder.ts = parsed.ts;
      decoder.action = parsed.action;
      decoder.success = parsed.success;
      decoder.latencyMs = parsed.latency_ms;
      return true;
    },
    get traceId(): string | undefined {
      if (parsed) return parsed.trace_id;
      return scanned.traceStart < 0
        ? undefined
        : line.toString('latin1', scanned.traceStart, scanned.traceEnd);
    },
    get instance(): string | undefined {
      if (parsed) return parsed.instance;
      return scanned.instanceStart < 0
        ? undefined
        : line.toString('latin1', scanned.instanceStart, scanned.instanceEnd);
    },
    event(): TelemetryEvent {
      return parsed ?? eventFromCanonical(line.toString('utf8', lineStart, lineEnd));
    },
  };
  return decoder;
}
