// AssemblyScript source of wasm/writer-line.wasm (built by `pnpm build`, see asconfig.json):
// scanWriterLine of src/reader/line-scanner.ts, the summary's per-line shortcut, over bytes in this
// module's memory. It is a port of the JavaScript one (same checks, in the same order, never a
// read at or past the line's limit) with word-at-a-time key and digit checks and 16-byte string
// scans; src/reader/writer-line-wasm.test.ts checks that it only claims lines the JavaScript one
// claims, with the same fields. Numbers that need a decimal conversion (over 15 digits, an
// exponent) are left to the caller's slow path.

// The module owns its layout: one static region reserved below, whose offsets the JavaScript side
// reads through the exported functions at the end of this file (nothing is copied by hand).
// Offsets are relative to the region's start, BASE:
// [0, INPUT_BYTES)  the framer's buffer: the lines to scan
// OUT               the last line scanned: f64 ts at +0, f64 latency at +8, i32 action start at
//                   +16, i32 action end at +20, i32 success at +24, i32 high at +28, i32 newline
//                   at +32; scanLines adds i32 lines taken at +36, i32 next at +40, i32 id at +44;
//                   i32 instance start at +48 and end at +52 (-1 without one)
// ACTIONS           MAX_ACTIONS records of 32 bytes: i32 samples, i32 failed, i32 included,
//                   i32 name length, f64 min ts, f64 max ts (the batch since its last reset)
// NAMES             MAX_ACTIONS names of up to NAME_BYTES bytes
// LATENCIES         MAX_ACTIONS batches of BATCH_SIZE f64 latencies
const INPUT_BYTES: i32 = 2 * 1024 * 1024;
const OUT: i32 = INPUT_BYTES;
const MAX_ACTIONS: i32 = 64;
const NAME_BYTES: i32 = 256;
const BATCH_SIZE: i32 = 1024;
const ACTIONS: i32 = OUT + 64;
const NAMES: i32 = ACTIONS + MAX_ACTIONS * 32;
const LATENCIES: i32 = NAMES + MAX_ACTIONS * NAME_BYTES;
const REGION_BYTES: i32 = LATENCIES + MAX_ACTIONS * BATCH_SIZE * 8;
const BASE: usize = memory.data(REGION_BYTES, 16);

/** The address of offset i of the region (inlined by the optimizer). */
function ptr(i: i32): usize {
  return BASE + usize(i);
}

const NEWLINE: i32 = 0x0a;
const QUOTE: i32 = 0x22;
const BACKSLASH: i32 = 0x5c;
const COLON: i32 = 0x3a;
const COMMA: i32 = 0x2c;
const CLOSE_BRACE: i32 = 0x7d;
const MINUS: i32 = 0x2d;
const PLUS: i32 = 0x2b;
const DOT: i32 = 0x2e;
const ZERO: i32 = 0x30;
const NINE: i32 = 0x39;
// Core's limits (ACTION_MAX_LENGTH, TRACE_ID_MAX_LENGTH, INSTANCE_MAX_LENGTH), set by `configure`
// at instantiation.
let maxActionLength: i32 = 0;
let maxTraceIdLength: i32 = 0;
let maxInstanceLength: i32 = 0;

let high: i32 = 0;
let number: f64 = 0;

function at(i: i32): i32 {
  return i32(load<u8>(ptr(i)));
}

/** 0 plain ASCII, 1 quote, 2 backslash, 3 control, 4 non-ASCII. */
function stringClass(b: i32): i32 {
  if (b >= 0x80) return 4;
  if (b < 0x20) return 3;
  if (b === QUOTE) return 1;
  if (b === BACKSLASH) return 2;
  return 0;
}

function isHex(b: i32): bool {
  return (b >= ZERO && b <= NINE) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

/**
 * The first index at or after i, below end, whose byte is not plain string content (a quote, a
 * backslash, a control or a non-ASCII byte), or end. Sixteen bytes at a time while they fit.
 */
function plainRun(i: i32, end: i32): i32 {
  while (i + 16 <= end) {
    const bytes = v128.load(ptr(i));
    const special = v128.or(
      v128.or(i8x16.lt_u(bytes, i8x16.splat(0x20)), i8x16.lt_s(bytes, i8x16.splat(0))),
      v128.or(i8x16.eq(bytes, i8x16.splat(0x22)), i8x16.eq(bytes, i8x16.splat(0x5c))),
    );
    const mask = i8x16.bitmask(special);
    if (mask !== 0) return i + ctz(mask);
    i += 16;
  }
  while (i < end && stringClass(at(i)) === 0) i++;
  return i;
}

/** At an opening quote: any valid JSON string. */
function skipString(i: i32, end: i32): i32 {
  i++;
  while (i < end) {
    i = plainRun(i, end);
    if (i >= end) break;
    const kind = stringClass(at(i));
    if (kind === 1) return i + 1;
    if (kind === 2) {
      if (i + 1 >= end) return -1;
      const e = at(i + 1);
      if (e === 0x75) {
        if (i + 5 >= end) return -1;
        if (!isHex(at(i + 2)) || !isHex(at(i + 3)) || !isHex(at(i + 4)) || !isHex(at(i + 5))) {
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
    high = 1;
    i++;
  }
  return -1;
}

/** At an opening quote: a string without escapes (object keys; escaped ones go the slow way). */
function skipKey(i: i32, end: i32): i32 {
  i++;
  while (i < end) {
    i = plainRun(i, end);
    if (i >= end) break;
    const kind = stringClass(at(i));
    if (kind === 1) return i + 1;
    if (kind !== 4) return -1;
    high = 1;
    i++;
  }
  return -1;
}

/** At an opening quote: printable ASCII without escapes (action, trace_id, top-level keys). */
function skipPlainString(i: i32, end: i32): i32 {
  i = plainRun(i + 1, end);
  return i < end && at(i) === QUOTE ? i + 1 : -1;
}

/** Whether the 8 bytes (little-endian) are all ASCII digits. */
function eightDigits(word: u64): bool {
  return (
    ((word & 0xf0f0f0f0f0f0f0f0) | (((word + 0x0606060606060606) & 0xf0f0f0f0f0f0f0f0) >> 4)) ===
    0x3333333333333333
  );
}

/** The value of 8 ASCII digits (little-endian word, first digit in the low byte). */
function parseEightDigits(word: u64): i64 {
  let value = word & 0x0f0f0f0f0f0f0f0f;
  value = (value * 2561) >> 8;
  value = ((value & 0x00ff00ff00ff00ff) * 6553601) >> 16;
  return i64(((value & 0x0000ffff0000ffff) * 42949672960001) >> 32);
}

/** A number converted exactly (at most 15 digits, no exponent) into `number`; -1 otherwise. */
function readNumber(i: i32, end: i32): i32 {
  let negative = false;
  if (i < end && at(i) === MINUS) {
    negative = true;
    i++;
  }
  if (i >= end) return -1;
  let b = at(i);
  // Integer digits: at most 15 are kept (exact in an f64), so the i64 never overflows.
  let mantissa: i64 = 0;
  let digits: i32 = 0;
  let fraction: i32 = 0;
  if (b === ZERO) {
    i++;
    digits = 1;
  } else if (b > ZERO && b <= NINE) {
    while (i + 8 <= end && eightDigits(load<u64>(ptr(i)))) {
      mantissa = mantissa * 100_000_000 + parseEightDigits(load<u64>(ptr(i)));
      digits += 8;
      i += 8;
    }
    b = i < end ? at(i) : 0;
    while (b >= ZERO && b <= NINE) {
      mantissa = mantissa * 10 + i64(b - ZERO);
      digits++;
      if (++i >= end) break;
      b = at(i);
    }
  } else {
    return -1;
  }
  if (i < end && at(i) === DOT) {
    i++;
    if (i >= end) return -1;
    b = at(i);
    if (b < ZERO || b > NINE) return -1;
    while (b >= ZERO && b <= NINE) {
      mantissa = mantissa * 10 + i64(b - ZERO);
      digits++;
      fraction++;
      if (++i >= end) break;
      b = at(i);
    }
  }
  // Exponents and longer mantissas need a decimal-to-double conversion: the caller's slow path.
  if (digits > 15) return -1;
  if (i < end && (at(i) === 0x65 || at(i) === 0x45)) return -1;
  // Both operands are exact doubles, so one IEEE division is the correctly rounded value.
  const whole = f64(mantissa);
  const magnitude = fraction === 0 ? whole : whole / pow10(fraction);
  number = negative ? -magnitude : magnitude;
  return i;
}

const POW10: StaticArray<f64> = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

function pow10(k: i32): f64 {
  return unchecked(POW10[k]);
}

function skipDigits(i: i32, end: i32): i32 {
  while (i < end) {
    const b = at(i);
    if (b < ZERO || b > NINE) return i;
    i++;
  }
  return i;
}

function isDigitAt(i: i32, end: i32): bool {
  if (i >= end) return false;
  const b = at(i);
  return b >= ZERO && b <= NINE;
}

function skipNumber(i: i32, end: i32): i32 {
  if (i < end && at(i) === MINUS) i++;
  if (i >= end) return -1;
  const b = at(i);
  if (b === ZERO) i++;
  else if (b > ZERO && b <= NINE) i = skipDigits(i + 1, end);
  else return -1;
  if (i < end && at(i) === DOT) {
    if (!isDigitAt(i + 1, end)) return -1;
    i = skipDigits(i + 2, end);
  }
  if (i < end && (at(i) === 0x65 || at(i) === 0x45)) {
    i++;
    if (i < end && (at(i) === PLUS || at(i) === MINUS)) i++;
    if (!isDigitAt(i, end)) return -1;
    i = skipDigits(i + 1, end);
  }
  return i;
}

// Fixed byte sequences, compared a machine word at a time (little-endian constants).

/** `{"ts":` at i. */
function afterTsKey(i: i32, end: i32): i32 {
  return i + 6 <= end && load<u32>(ptr(i)) === 0x7374227b && load<u16>(ptr(i + 4)) === 0x3a22
    ? i + 6
    : -1;
}

/** `,"action":"` at i. */
function afterActionKey(i: i32, end: i32): i32 {
  return i + 11 <= end &&
    load<u64>(ptr(i)) === 0x6e6f69746361222c &&
    load<u16>(ptr(i + 8)) === 0x3a22 &&
    load<u8>(ptr(i + 10)) === 0x22
    ? i + 11
    : -1;
}

/** `,"success":` at i. */
function afterSuccessKey(i: i32, end: i32): i32 {
  return i + 11 <= end &&
    load<u64>(ptr(i)) === 0x736563637573222c &&
    load<u16>(ptr(i + 8)) === 0x2273 &&
    load<u8>(ptr(i + 10)) === 0x3a
    ? i + 11
    : -1;
}

/** `true` at i. */
function afterTrue(i: i32, end: i32): i32 {
  return i + 4 <= end && load<u32>(ptr(i)) === 0x65757274 ? i + 4 : -1;
}

/** `false` at i. */
function afterFalse(i: i32, end: i32): i32 {
  return i + 5 <= end && load<u32>(ptr(i)) === 0x736c6166 && load<u8>(ptr(i + 4)) === 0x65
    ? i + 5
    : -1;
}

/** `,"latency_ms":` at i. */
function afterLatencyKey(i: i32, end: i32): i32 {
  return i + 14 <= end &&
    load<u64>(ptr(i)) === 0x636e6574616c222c &&
    load<u32>(ptr(i + 8)) === 0x736d5f79 &&
    load<u16>(ptr(i + 12)) === 0x3a22
    ? i + 14
    : -1;
}

/** `,"payload":{` at i. */
function afterPayloadKey(i: i32, end: i32): i32 {
  return i + 12 <= end &&
    load<u64>(ptr(i)) === 0x616f6c796170222c &&
    load<u32>(ptr(i + 8)) === 0x7b3a2264
    ? i + 12
    : -1;
}

/** `,"error":` at i. */
function afterErrorKey(i: i32, end: i32): i32 {
  return i + 9 <= end && load<u64>(ptr(i)) === 0x22726f727265222c && load<u8>(ptr(i + 8)) === 0x3a
    ? i + 9
    : -1;
}

/** `null` at i. */
function afterNull(i: i32, end: i32): i32 {
  return i + 4 <= end && load<u32>(ptr(i)) === 0x6c6c756e ? i + 4 : -1;
}

/** `,"instance":"` at i. */
function afterInstanceKey(i: i32, end: i32): i32 {
  return i + 13 <= end &&
    load<u64>(ptr(i)) === 0x6e6174736e69222c &&
    load<u32>(ptr(i + 8)) === 0x3a226563 &&
    load<u8>(ptr(i + 12)) === 0x22
    ? i + 13
    : -1;
}

/** `,"trace_id":"` at i. */
function afterTraceKey(i: i32, end: i32): i32 {
  return i + 13 <= end &&
    load<u64>(ptr(i)) === 0x5f6563617274222c &&
    load<u32>(ptr(i + 8)) === 0x3a226469 &&
    load<u8>(ptr(i + 12)) === 0x22
    ? i + 13
    : -1;
}

function isProtoKey(start: i32, stop: i32): bool {
  return (
    stop - start === 9 &&
    at(start) === 0x5f &&
    at(start + 1) === 0x5f &&
    at(start + 2) === 0x70 &&
    at(start + 7) === 0x5f
  );
}

function skipCompactObject(i: i32, end: i32): i32 {
  if (i < end && at(i) === CLOSE_BRACE) return i + 1;
  while (i < end) {
    if (i >= end || at(i) !== QUOTE) return -2;
    const keyEnd = skipKey(i, end);
    if (keyEnd < 0 || keyEnd >= end || at(keyEnd) !== COLON) return -2;
    if (isProtoKey(i + 1, keyEnd - 1)) return -2;
    i = keyEnd + 1;
    if (i >= end) return -2;
    const b = at(i);
    if (b === QUOTE) i = skipString(i, end);
    else if ((b >= ZERO && b <= NINE) || b === MINUS) i = skipNumber(i, end);
    else if (b === 0x74) i = afterTrue(i, end);
    else if (b === 0x66) i = afterFalse(i, end);
    else if (b === 0x6e) i = afterNull(i, end);
    else return -2;
    if (i < 0 || i >= end) return -2;
    const c = at(i);
    if (c === COMMA) i++;
    else if (c === CLOSE_BRACE) return i + 1;
    else return -2;
  }
  return -2;
}

function writerLayoutEnd(start: i32, end: i32): i32 {
  let i = afterTsKey(start, end);
  if (i < 0) return -1;
  i = readNumber(i, end);
  if (i < 0) return -1;
  store<f64>(ptr(OUT), number);
  i = afterActionKey(i, end);
  if (i < 0) return -1;
  const actionEnd = skipPlainString(i - 1, end);
  const length = actionEnd - i - 1;
  if (actionEnd < 0 || length < 1 || length > maxActionLength) return -1;
  store<i32>(ptr(OUT + 16), i);
  store<i32>(ptr(OUT + 20), actionEnd - 1);
  i = afterSuccessKey(actionEnd, end);
  if (i < 0) return -1;
  if (at(i) === 0x74) {
    i = afterTrue(i, end);
    store<i32>(ptr(OUT + 24), 1);
  } else if (at(i) === 0x66) {
    i = afterFalse(i, end);
    store<i32>(ptr(OUT + 24), 0);
  } else return -1;
  if (i < 0) return -1;
  i = afterLatencyKey(i, end);
  if (i < 0) return -1;
  i = readNumber(i, end);
  if (i < 0 || !(number >= 0)) return -1;
  store<f64>(ptr(OUT + 8), number);
  i = afterPayloadKey(i, end);
  if (i < 0) return -1;
  i = skipCompactObject(i, end);
  if (i < 0) return -1;
  i = afterErrorKey(i, end);
  if (i < 0 || i >= end) return -1;
  if (at(i) === QUOTE) i = skipString(i, end);
  else if (at(i) === 0x6e) i = afterNull(i, end);
  else return -1;
  if (i < 0) return -1;
  // Then, each optional and in this order, the trace id and the instance.
  let value = afterTraceKey(i, end);
  if (value >= 0) {
    const traceEnd = skipPlainString(value - 1, end);
    if (traceEnd < 0 || traceEnd - value - 1 > maxTraceIdLength) return -1;
    i = traceEnd;
  }
  let instanceStart: i32 = -1;
  let instanceEnd: i32 = -1;
  value = afterInstanceKey(i, end);
  if (value >= 0) {
    const stringEnd = skipPlainString(value - 1, end);
    if (stringEnd < 0 || stringEnd - value - 1 > maxInstanceLength) return -1;
    instanceStart = value;
    instanceEnd = stringEnd - 1;
    i = stringEnd;
  }
  if (i >= end || at(i) !== CLOSE_BRACE) return -1;
  store<i32>(ptr(OUT + 48), instanceStart);
  store<i32>(ptr(OUT + 52), instanceEnd);
  return i + 1;
}

/**
 * A line in our writer's exact layout at `start` ending with `}` right before a newline below
 * `limit`: returns the newline's index, fields at OUT; -1 for anything else. When the high flag
 * at OUT + 28 is set the line has non-ASCII bytes and the caller must check it is valid UTF-8.
 */
export function scanWriterLine(start: i32, limit: i32): i32 {
  high = 0;
  const end = writerLayoutEnd(start, limit);
  store<i32>(ptr(OUT + 28), high);
  if (end < 0 || end >= limit || at(end) !== NEWLINE) return -1;
  store<i32>(ptr(OUT + 32), end);
  return end;
}

// ---------------------------------------------------------------------------------------------
// scanLines: the summary's whole per-line work (scan, window, action lookup, batching) without a
// call per line from JavaScript.

/** scanLines stopped at a line it does not take (not in the layout, incomplete, non-ASCII). */
export const STOP: i32 = 0;
/** scanLines stopped at a line whose action is not in the table (not taken; fields at OUT). */
export const NEW_ACTION: i32 = 1;
/** scanLines took a line that filled the batch of action OUT + 44: flush it, then go on. */
export const BATCH_FULL: i32 = 2;

let actionCount: i32 = 0;
let since: f64 = -Infinity;
let until: f64 = Infinity;
let maxLineBytes: i32 = 0;

/** Empties the action table and sets what scanLines keeps: ts in [from, to), lines under maxLine bytes. */
export function reset(from: f64, to: f64, maxLine: i32): void {
  actionCount = 0;
  since = from;
  until = to;
  maxLineBytes = maxLine;
}

function record(id: i32): usize {
  return ptr(ACTIONS + id * 32);
}

/** Adds the action named by bytes [start, end) to the table; its id, or -1 when the table is full. */
export function addAction(start: i32, end: i32, included: bool): i32 {
  const length = end - start;
  if (actionCount >= MAX_ACTIONS || length > NAME_BYTES) return -1;
  const id = actionCount++;
  memory.copy(ptr(NAMES + id * NAME_BYTES), ptr(start), usize(length));
  store<i32>(record(id) + 8, included ? 1 : 0);
  store<i32>(record(id) + 12, length);
  resetBatch(id);
  return id;
}

/** Starts an empty batch for action `id` (after its samples were handed over). */
export function resetBatch(id: i32): void {
  const entry = record(id);
  store<i32>(entry, 0);
  store<i32>(entry + 4, 0);
  store<f64>(entry + 16, Infinity);
  store<f64>(entry + 24, -Infinity);
}

function findAction(start: i32, end: i32): i32 {
  const length = end - start;
  for (let id = 0; id < actionCount; id++) {
    if (load<i32>(record(id) + 12) !== length) continue;
    if (memory.compare(ptr(NAMES + id * NAME_BYTES), ptr(start), usize(length)) === 0) {
      return id;
    }
  }
  return -1;
}

/**
 * Takes the lines from `start` on, each in our writer's layout, ASCII, ending with a newline
 * below `limit` and shorter than maxLine: adds each one in the window to its action's batch.
 * Stops at the first other line, at a new action, or when a batch is full; returns why (STOP,
 * NEW_ACTION, BATCH_FULL), with the lines taken at OUT + 36 and where it stopped at OUT + 40.
 */
export function scanLines(start: i32, limit: i32): i32 {
  let i = start;
  let taken = 0;
  let status = STOP;
  while (i < limit) {
    high = 0;
    const end = writerLayoutEnd(i, limit);
    if (end < 0 || end >= limit || at(end) !== NEWLINE || high !== 0 || end - i >= maxLineBytes) {
      break;
    }
    store<i32>(ptr(OUT + 32), end);
    const id = findAction(load<i32>(ptr(OUT + 16)), load<i32>(ptr(OUT + 20)));
    if (id < 0) {
      status = NEW_ACTION;
      break;
    }
    taken++;
    i = end + 1;
    const ts = load<f64>(ptr(OUT));
    const entry = record(id);
    if (ts < since || ts >= until || load<i32>(entry + 8) === 0) continue;
    const n = load<i32>(entry);
    store<f64>(ptr(LATENCIES + (id * BATCH_SIZE + n) * 8), load<f64>(ptr(OUT + 8)));
    store<i32>(entry, n + 1);
    if (load<i32>(ptr(OUT + 24)) === 0) store<i32>(entry + 4, load<i32>(entry + 4) + 1);
    if (ts < load<f64>(entry + 16)) store<f64>(entry + 16, ts);
    if (ts > load<f64>(entry + 24)) store<f64>(entry + 24, ts);
    if (n + 1 === BATCH_SIZE) {
      store<i32>(ptr(OUT + 44), id);
      status = BATCH_FULL;
      break;
    }
  }
  store<i32>(ptr(OUT + 36), taken);
  store<i32>(ptr(OUT + 40), i);
  return status;
}

/** Bytes of the framer's buffer at the start of memory. */
export function inputBytes(): i32 {
  return INPUT_BYTES;
}

/** Where the results of scanWriterLine and scanLines are. */
export function resultOffset(): i32 {
  return OUT;
}

/** Where the action records are (MAX_ACTIONS of 32 bytes). */
export function actionsOffset(): i32 {
  return ACTIONS;
}

/** Where the batches of latencies are (BATCH_SIZE f64 per action, in id order). */
export function latenciesOffset(): i32 {
  return LATENCIES;
}

export function batchSize(): i32 {
  return BATCH_SIZE;
}

/** Where the region starts in memory (offsets above are relative to it). */
export function regionStart(): i32 {
  return i32(BASE);
}

/** Sets core's limits on the action, trace id and instance lengths (before any scan). */
export function configure(
  actionMaxLength: i32,
  traceIdMaxLength: i32,
  instanceMaxLength: i32,
): void {
  maxActionLength = actionMaxLength;
  maxTraceIdLength = traceIdMaxLength;
  maxInstanceLength = instanceMaxLength;
}
