import { isUtf8 } from 'node:buffer';
import {
  ACTION_MAX_LENGTH,
  INSTANCE_MAX_LENGTH,
  MAX_PAYLOAD_DEPTH,
  TRACE_ID_MAX_LENGTH,
} from '../telemetry/event.js';

// The line decoder's fast path (line-decoder.ts): nothing outside the decoder's modules imports
// this file.

/**
 * Fields of a telemetry line that the canonical-shape scanner found valid (only meaningful
 * after `scanCanonicalLine` returned true), plus its scratch state.
 */
export interface ScannedLine {
  ts: number;
  success: boolean;
  latencyMs: number;
  /** Byte range of the action name (ASCII, no escapes). */
  actionStart: number;
  actionEnd: number;
  /** Byte range of the trace id (ASCII, no escapes); traceStart is -1 without one. */
  traceStart: number;
  traceEnd: number;
  /** Byte range of the instance name (ASCII, no escapes); instanceStart is -1 without one. */
  instanceStart: number;
  instanceEnd: number;
  /** Scratch: the last number read. */
  number: number;
  /** Scratch: a byte >= 0x80 was seen (the line then needs a UTF-8 check). */
  high: boolean;
}

export function createScannedLine(): ScannedLine {
  return {
    ts: 0,
    success: false,
    latencyMs: 0,
    actionStart: 0,
    actionEnd: 0,
    traceStart: -1,
    traceEnd: -1,
    instanceStart: -1,
    instanceEnd: -1,
    number: 0,
    high: false,
  };
}

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const MAX_DEPTH = MAX_PAYLOAD_DEPTH;

const F_TS = 1;
const F_ACTION = 2;
const F_SUCCESS = 4;
const F_LATENCY = 8;
const F_PAYLOAD = 16;
const F_ERROR = 32;
const F_TRACE = 64;
const F_INSTANCE = 128;
const REQUIRED = F_TS | F_ACTION | F_SUCCESS | F_LATENCY;

/** Byte classes inside a string: 0 plain ASCII, 1 quote, 2 backslash, 3 control, 4 non-ASCII. */
const STRING_CLASS = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) STRING_CLASS[b] = 3;
for (let b = 0x80; b < 0x100; b++) STRING_CLASS[b] = 4;
STRING_CLASS[QUOTE] = 1;
STRING_CLASS[BACKSLASH] = 2;

const POW10 = new Float64Array(23);
for (let k = 0; k <= 22; k++) POW10[k] = 10 ** k;

// Every helper takes the buffer and the line end explicitly and never reads at or past `end`
// (other lines follow in the same buffer). They return the index after what they read, or -1.

function skipWs(buf: Buffer, i: number, end: number): number {
  while (i < end) {
    const b = buf[i] as number;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return i;
    i++;
  }
  return i;
}

function isHex(b: number): boolean {
  return (b >= ZERO && b <= NINE) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

/** At an opening quote: any valid JSON string. */
function skipString(buf: Buffer, i: number, end: number, out: ScannedLine): number {
  i++;
  while (i < end) {
    const b = buf[i] as number;
    const kind = STRING_CLASS[b] as number;
    if (kind === 0) {
      i++;
      continue;
    }
    if (kind === 1) return i + 1;
    if (kind === 2) {
      if (i + 1 >= end) return -1;
      const e = buf[i + 1] as number;
      if (e === 0x75) {
        if (i + 5 >= end) return -1;
        if (
          !isHex(buf[i + 2] as number) ||
          !isHex(buf[i + 3] as number) ||
          !isHex(buf[i + 4] as number) ||
          !isHex(buf[i + 5] as number)
        ) {
          return -1;
        }
        i += 6;
        continue;
      }
      if (
        e === QUOTE ||
        e === BACKSLASH ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ) {
        i += 2;
        continue;
      }
      return -1;
    }
    if (kind === 3) return -1;
    out.high = true;
    i++;
  }
  return -1;
}

/** At an opening quote: a string without escapes (object keys; escaped ones go the slow way). */
function skipKey(buf: Buffer, i: number, end: number, out: ScannedLine): number {
  i++;
  while (i < end) {
    const kind = STRING_CLASS[buf[i] as number] as number;
    if (kind === 0) {
      i++;
      continue;
    }
    if (kind === 1) return i + 1;
    if (kind !== 4) return -1;
    out.high = true;
    i++;
  }
  return -1;
}

/** At an opening quote: printable ASCII without escapes (action, trace_id, instance, keys). */
function skipPlainString(buf: Buffer, i: number, end: number): number {
  i++;
  while (i < end) {
    const kind = STRING_CLASS[buf[i] as number] as number;
    if (kind === 0) {
      i++;
      continue;
    }
    return kind === 1 ? i + 1 : -1;
  }
  return -1;
}

/** A JSON number, its value in out.number (exactly as JSON.parse would compute it). */
function readNumber(buf: Buffer, i: number, end: number, out: ScannedLine): number {
  const start = i;
  let negative = false;
  if (i < end && buf[i] === MINUS) {
    negative = true;
    i++;
  }
  if (i >= end) return -1;
  let b = buf[i] as number;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  if (b === ZERO) {
    i++;
    digits = 1;
  } else if (b > ZERO && b <= NINE) {
    while (b >= ZERO && b <= NINE) {
      mantissa = mantissa * 10 + (b - ZERO);
      digits++;
      if (++i >= end) break;
      b = buf[i] as number;
    }
  } else {
    return -1;
  }
  if (i < end && buf[i] === DOT) {
    i++;
    if (i >= end) return -1;
    b = buf[i] as number;
    if (b < ZERO || b > NINE) return -1;
    while (b >= ZERO && b <= NINE) {
      mantissa = mantissa * 10 + (b - ZERO);
      digits++;
      fraction++;
      if (++i >= end) break;
      b = buf[i] as number;
    }
  }
  let exact = digits <= 15;
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    exact = false;
    i++;
    if (i < end && (buf[i] === PLUS || buf[i] === MINUS)) i++;
    if (i >= end) return -1;
    b = buf[i] as number;
    if (b < ZERO || b > NINE) return -1;
    while (b >= ZERO && b <= NINE) {
      if (++i >= end) break;
      b = buf[i] as number;
    }
  }
  if (exact) {
    // Both operands are exact doubles, so one IEEE division is the correctly rounded value,
    // i.e. exactly what JSON.parse produces.
    const magnitude = fraction === 0 ? mantissa : mantissa / (POW10[fraction] as number);
    out.number = negative ? -magnitude : magnitude;
  } else {
    out.number = Number(buf.toString('latin1', start, i));
  }
  return i;
}

/** Index of the first non-digit at or after i (or end). */
function skipDigits(buf: Buffer, i: number, end: number): number {
  while (i < end) {
    const b = buf[i] as number;
    if (b < ZERO || b > NINE) return i;
    i++;
  }
  return i;
}

function isDigitAt(buf: Buffer, i: number, end: number): boolean {
  if (i >= end) return false;
  const b = buf[i] as number;
  return b >= ZERO && b <= NINE;
}

/** A JSON number whose value is not needed (payload, unknown keys): syntax only. */
function skipNumber(buf: Buffer, i: number, end: number): number {
  if (i < end && buf[i] === MINUS) i++;
  if (i >= end) return -1;
  const b = buf[i] as number;
  if (b === ZERO) i++;
  else if (b > ZERO && b <= NINE) i = skipDigits(buf, i + 1, end);
  else return -1;
  if (i < end && buf[i] === DOT) {
    if (!isDigitAt(buf, i + 1, end)) return -1;
    i = skipDigits(buf, i + 2, end);
  }
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    if (i < end && (buf[i] === PLUS || buf[i] === MINUS)) i++;
    if (!isDigitAt(buf, i, end)) return -1;
    i = skipDigits(buf, i + 1, end);
  }
  return i;
}

/** The index after `word` when it stands at i (below end), or -1. */
function after(buf: Buffer, i: number, end: number, word: Uint8Array): number {
  const n = word.length;
  if (i + n > end) return -1;
  for (let k = 0; k < n; k++) if (buf[i + k] !== word[k]) return -1;
  return i + n;
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/**
 * A top-level key: its name's bytes, and the bytes before its value in our writer's layout
 * (`formatTelemetryLine`: fixed key order, no whitespace), `,"name":` and the value's opening.
 */
function topKey(name: string, opening = ''): { name: Buffer; layout: Buffer } {
  return { name: Buffer.from(name), layout: Buffer.from(`,"${name}":${opening}`) };
}

const ACTION = topKey('action', '"');
const SUCCESS = topKey('success');
const LATENCY = topKey('latency_ms');
const PAYLOAD = topKey('payload', '{');
const ERROR = topKey('error');
const TRACE = topKey('trace_id', '"');
const INSTANCE = topKey('instance', '"');
/** Our writer's lines start with the timestamp. */
const LINE_OPEN = Buffer.from('{"ts":');

/** "__proto__" is the one key JSON.parse and the schema treat differently: slow path. */
function isProtoKey(buf: Buffer, start: number, stop: number): boolean {
  return (
    stop - start === 9 &&
    buf[start] === 0x5f &&
    buf[start + 1] === 0x5f &&
    buf[start + 2] === 0x70 &&
    buf[start + 7] === 0x5f
  );
}

function skipValue(buf: Buffer, i: number, end: number, depth: number, out: ScannedLine): number {
  if (i >= end) return -1;
  const b = buf[i] as number;
  if (b === QUOTE) return skipString(buf, i, end, out);
  if (b === OPEN_BRACE || b === OPEN_BRACKET) return skipContainer(buf, i, end, depth + 1, out);
  if (b === 0x74) return after(buf, i, end, TRUE);
  if (b === 0x66) return after(buf, i, end, FALSE);
  if (b === 0x6e) return after(buf, i, end, NULL);
  return skipNumber(buf, i, end);
}

/** At `{` or `[`: a whole object or array, nested at most MAX_DEPTH deep. */
function skipContainer(
  buf: Buffer,
  i: number,
  end: number,
  depth: number,
  out: ScannedLine,
): number {
  if (depth > MAX_DEPTH) return -1;
  const object = buf[i] === OPEN_BRACE;
  const close = object ? CLOSE_BRACE : CLOSE_BRACKET;
  i = skipWs(buf, i + 1, end);
  if (i >= end) return -1;
  if (buf[i] === close) return i + 1;
  for (;;) {
    if (object) {
      if (i >= end || buf[i] !== QUOTE) return -1;
      const keyEnd = skipKey(buf, i, end, out);
      if (keyEnd < 0 || isProtoKey(buf, i + 1, keyEnd - 1)) return -1;
      i = skipWs(buf, keyEnd, end);
      if (i >= end || buf[i] !== COLON) return -1;
      i = skipWs(buf, i + 1, end);
    }
    i = skipValue(buf, i, end, depth, out);
    if (i < 0) return -1;
    i = skipWs(buf, i, end);
    if (i >= end) return -1;
    const b = buf[i];
    if (b === COMMA) i = skipWs(buf, i + 1, end);
    else if (b === close) return i + 1;
    else return -1;
  }
}

/**
 * After the `{` of a payload in our writer's layout: a flat object without whitespace (string,
 * number, true/false/null values). Returns -2 for anything else (nesting, whitespace, errors):
 * the general skipContainer then decides from the `{`.
 */
function skipCompactObject(buf: Buffer, i: number, end: number, out: ScannedLine): number {
  if (i < end && buf[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (i >= end || buf[i] !== QUOTE) return -2;
    const keyEnd = skipKey(buf, i, end, out);
    if (keyEnd < 0 || keyEnd >= end || buf[keyEnd] !== COLON) return -2;
    if (isProtoKey(buf, i + 1, keyEnd - 1)) return -2;
    i = keyEnd + 1;
    if (i >= end) return -2;
    const b = buf[i] as number;
    if (b === QUOTE) i = skipString(buf, i, end, out);
    else if ((b >= ZERO && b <= NINE) || b === MINUS) i = skipNumber(buf, i, end);
    else if (b === 0x74) i = after(buf, i, end, TRUE);
    else if (b === 0x66) i = after(buf, i, end, FALSE);
    else if (b === 0x6e) i = after(buf, i, end, NULL);
    else return -2;
    if (i < 0 || i >= end) return -2;
    const c = buf[i];
    if (c === COMMA) i++;
    else if (c === CLOSE_BRACE) return i + 1;
    else return -2;
  }
}

/** Which top-level key bytes [start, stop) are, as an F_* flag; 0 for any other key. */
function topLevelKey(buf: Buffer, start: number, stop: number): number {
  switch (stop - start) {
    case 2:
      return buf[start] === 0x74 && buf[start + 1] === 0x73 ? F_TS : 0;
    case 5:
      return same(buf, start, ERROR.name) ? F_ERROR : 0;
    case 6:
      return same(buf, start, ACTION.name) ? F_ACTION : 0;
    case 7:
      if (buf[start] === 0x73) return same(buf, start, SUCCESS.name) ? F_SUCCESS : 0;
      return same(buf, start, PAYLOAD.name) ? F_PAYLOAD : 0;
    case 8:
      if (buf[start] === 0x69) return same(buf, start, INSTANCE.name) ? F_INSTANCE : 0;
      return same(buf, start, TRACE.name) ? F_TRACE : 0;
    case 10:
      return same(buf, start, LATENCY.name) ? F_LATENCY : 0;
    default:
      return 0;
  }
}

function same(buf: Buffer, start: number, word: Buffer): boolean {
  return after(buf, start, start + word.length, word) >= 0;
}

/**
 * Our writer's exact layout (`formatTelemetryLine`: fixed key order, no whitespace), checked
 * as fixed byte patterns. Returns false when the line departs from it anywhere; the general
 * scan then decides.
 */
function writerLayoutEnd(buf: Buffer, start: number, end: number, out: ScannedLine): number {
  out.traceStart = -1;
  out.instanceStart = -1;
  let i = after(buf, start, end, LINE_OPEN);
  if (i < 0) return -1;
  i = readNumber(buf, i, end, out);
  if (i < 0 || !Number.isFinite(out.number)) return -1;
  out.ts = out.number;
  i = after(buf, i, end, ACTION.layout);
  if (i < 0) return -1;
  const actionEnd = skipPlainString(buf, i - 1, end);
  const length = actionEnd - i - 1;
  if (actionEnd < 0 || length < 1 || length > ACTION_MAX_LENGTH) return -1;
  out.actionStart = i;
  out.actionEnd = actionEnd - 1;
  i = after(buf, actionEnd, end, SUCCESS.layout);
  if (i < 0) return -1;
  if (buf[i] === 0x74) {
    i = after(buf, i, end, TRUE);
    out.success = true;
  } else if (buf[i] === 0x66) {
    i = after(buf, i, end, FALSE);
    out.success = false;
  } else return -1;
  if (i < 0) return -1;
  i = after(buf, i, end, LATENCY.layout);
  if (i < 0) return -1;
  i = readNumber(buf, i, end, out);
  if (i < 0 || !(out.number >= 0) || out.number === Number.POSITIVE_INFINITY) return -1;
  out.latencyMs = out.number;
  i = after(buf, i, end, PAYLOAD.layout);
  if (i < 0) return -1;
  // No whitespace anywhere in this layout (a nested or spaced payload takes the general scan), so
  // nothing here can step over a newline: scanWriterLine relies on it.
  i = skipCompactObject(buf, i, end, out);
  if (i < 0) return -1;
  i = after(buf, i, end, ERROR.layout);
  if (i < 0 || i >= end) return -1;
  if (buf[i] === QUOTE) i = skipString(buf, i, end, out);
  else if (buf[i] === 0x6e) i = after(buf, i, end, NULL);
  else return -1;
  if (i < 0) return -1;
  // Then, each optional and in this order, the trace id and the instance.
  let value = after(buf, i, end, TRACE.layout);
  if (value >= 0) {
    const traceEnd = skipPlainString(buf, value - 1, end);
    if (traceEnd < 0 || traceEnd - value - 1 > TRACE_ID_MAX_LENGTH) return -1;
    out.traceStart = value;
    out.traceEnd = traceEnd - 1;
    i = traceEnd;
  }
  value = after(buf, i, end, INSTANCE.layout);
  if (value >= 0) {
    const instanceEnd = skipPlainString(buf, value - 1, end);
    if (instanceEnd < 0 || instanceEnd - value - 1 > INSTANCE_MAX_LENGTH) return -1;
    out.instanceStart = value;
    out.instanceEnd = instanceEnd - 1;
    i = instanceEnd;
  }
  if (i >= end || buf[i] !== CLOSE_BRACE) return -1;
  return i + 1;
}

function scanWriterLayout(buf: Buffer, start: number, end: number, out: ScannedLine): boolean {
  const after = writerLayoutEnd(buf, start, end, out);
  if (after < 0 || skipWs(buf, after, end) !== end) return false;
  return !out.high || isUtf8(buf.subarray(start, end));
}

/**
 * A line in our writer's exact layout that starts at `start` and ends with `}` right before a
 * newline below `limit`. Returns the newline's index (the line is then [start, newline), valid,
 * its fields in `out`, exactly as scanCanonicalLine would give them), or -1 for anything else. The
 * layout admits no whitespace or control byte, so the scan never steps over a newline. The
 * summary runs this check in WebAssembly (assembly/writer-line.ts); this one is what that port is
 * tested against.
 */
export function scanWriterLine(
  buf: Buffer,
  start: number,
  limit: number,
  out: ScannedLine,
): number {
  out.high = false;
  const after = writerLayoutEnd(buf, start, limit, out);
  if (after < 0 || after >= limit || buf[after] !== NEWLINE) return -1;
  if (out.high && !isUtf8(buf.subarray(start, after))) return -1;
  return after;
}

/**
 * The hot path of every telemetry read: decides, from the bytes alone, that line [start, end) of
 * `buf` is a valid event in the canonical shape (our writer's and most JSON encoders' output) and
 * extracts the fields metrics need into `out`. It never rejects: anything unusual (escaped keys
 * or names, legacy field names, duplicate keys, non-ASCII names, numbers it cannot convert
 * exactly, deep nesting...) returns false and the caller falls back to `parseTelemetryLine`, the
 * one definition of validity. A property test checks that true here always means
 * `parseTelemetryLine(...).ok` with the same fields.
 */
export function scanCanonicalLine(
  buf: Buffer,
  start: number,
  end: number,
  out: ScannedLine,
): boolean {
  out.high = false;
  if (scanWriterLayout(buf, start, end, out)) return true;
  out.high = false;
  out.traceStart = -1;
  out.instanceStart = -1;
  let seen = 0;
  let i = skipWs(buf, start, end);
  if (i >= end || buf[i] !== OPEN_BRACE) return false;
  i = skipWs(buf, i + 1, end);
  for (;;) {
    if (i >= end || buf[i] !== QUOTE) return false;
    const keyEnd = skipPlainString(buf, i, end);
    if (keyEnd < 0) return false;
    const key = topLevelKey(buf, i + 1, keyEnd - 1);
    if (key === 0 && isProtoKey(buf, i + 1, keyEnd - 1)) return false;
    if ((seen & key) !== 0) return false;
    seen |= key;
    i = skipWs(buf, keyEnd, end);
    if (i >= end || buf[i] !== COLON) return false;
    i = skipWs(buf, i + 1, end);
    if (i >= end) return false;
    const b = buf[i] as number;
    switch (key) {
      case F_TS:
        i = readNumber(buf, i, end, out);
        if (i < 0 || !Number.isFinite(out.number)) return false;
        out.ts = out.number;
        break;
      case F_LATENCY:
        i = readNumber(buf, i, end, out);
        if (i < 0 || !(out.number >= 0) || out.number === Number.POSITIVE_INFINITY) return false;
        out.latencyMs = out.number;
        break;
      case F_ACTION: {
        if (b !== QUOTE) return false;
        const stringEnd = skipPlainString(buf, i, end);
        const length = stringEnd - i - 2;
        if (stringEnd < 0 || length < 1 || length > ACTION_MAX_LENGTH) return false;
        out.actionStart = i + 1;
        out.actionEnd = stringEnd - 1;
        i = stringEnd;
        break;
      }
      case F_SUCCESS:
        if (b === 0x74) {
          i = after(buf, i, end, TRUE);
          out.success = true;
        } else if (b === 0x66) {
          i = after(buf, i, end, FALSE);
          out.success = false;
        } else return false;
        if (i < 0) return false;
        break;
      case F_PAYLOAD:
        if (b !== OPEN_BRACE) return false;
        i = skipContainer(buf, i, end, 1, out);
        if (i < 0) return false;
        break;
      case F_ERROR:
        if (b === QUOTE) i = skipString(buf, i, end, out);
        else if (b === 0x6e) i = after(buf, i, end, NULL);
        else return false;
        if (i < 0) return false;
        break;
      case F_TRACE: {
        if (b !== QUOTE) return false;
        const stringEnd = skipPlainString(buf, i, end);
        if (stringEnd < 0 || stringEnd - i - 2 > TRACE_ID_MAX_LENGTH) return false;
        out.traceStart = i + 1;
        out.traceEnd = stringEnd - 1;
        i = stringEnd;
        break;
      }
      case F_INSTANCE: {
        if (b !== QUOTE) return false;
        const stringEnd = skipPlainString(buf, i, end);
        if (stringEnd < 0 || stringEnd - i - 2 > INSTANCE_MAX_LENGTH) return false;
        out.instanceStart = i + 1;
        out.instanceEnd = stringEnd - 1;
        i = stringEnd;
        break;
      }
      default:
        i = skipValue(buf, i, end, 1, out);
        if (i < 0) return false;
    }
    i = skipWs(buf, i, end);
    if (i >= end) return false;
    const next = buf[i];
    if (next === COMMA) {
      i = skipWs(buf, i + 1, end);
      continue;
    }
    if (next !== CLOSE_BRACE) return false;
    if (skipWs(buf, i + 1, end) !== end) return false;
    break;
  }
  if ((seen & REQUIRED) !== REQUIRED) return false;
  if (out.high && !isUtf8(buf.subarray(start, end))) return false;
  return true;
}
