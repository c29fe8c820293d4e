import { randomFillSync } from 'node:crypto';

/** The remote parent of a request, from a valid W3C `traceparent`. */
export interface RemoteParent {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** How a request is identified in logs, telemetry, spans and response headers. */
export interface RequestTrace {
  traceId: string;
  parent: RemoteParent | undefined;
  /** What we send back as `X-Correlation-ID`: the caller's own id when it is safe to echo. */
  correlationId: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SAFE_CORRELATION = /^[A-Za-z0-9._:-]{1,128}$/;

/** Parses a W3C Trace Context `traceparent` header; anything invalid is ignored, as the spec asks. */
export function parseTraceparent(header: string | undefined): RemoteParent | undefined {
  if (!header) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 0xff };
}

/** A correlation id that already is a trace id (32 hex or a UUID, as the Python agent sent). */
function correlationAsTraceId(value: string): string | undefined {
  const lower = value.toLowerCase();
  const hex = UUID.test(lower) ? lower.replaceAll('-', '') : HEX32.test(lower) ? lower : undefined;
  return hex && hex !== ZERO_TRACE ? hex : undefined;
}

// Ids come from a pool of random bytes refilled 4 KiB at a time: one crypto call per ~170
// requests instead of two per request.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return /^0+$/.test(hex) ? randomHex(bytes) : hex; // all-zero ids are invalid in W3C
}

export function newTraceId(): string {
  return randomHex(16);
}

export function newSpanId(): string {
  return randomHex(8);
}

/**
 * Decides the trace id of a request: a valid `traceparent` wins, then an `X-Correlation-ID`
 * that is a UUID or 32 hex digits, else a fresh id. Other correlation ids are echoed back (when
 * short and plain) but never used as trace ids.
 */
export function resolveRequestTrace(
  traceparent: string | undefined,
  correlationHeader: string | undefined,
): RequestTrace {
  const parent = parseTraceparent(traceparent);
  const correlation = correlationHeader?.trim();
  const fromCorrelation = correlation ? correlationAsTraceId(correlation) : undefined;
  const traceId = parent?.traceId ?? fromCorrelation ?? newTraceId();
  const echo = correlation && SAFE_CORRELATION.test(correlation) ? correlation : traceId;
  return { traceId, parent, correlationId: echo };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}
