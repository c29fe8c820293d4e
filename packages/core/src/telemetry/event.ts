import type { z } from 'zod';
import {
  ACTION_MAX_LENGTH,
  INSTANCE_MAX_LENGTH,
  MAX_PAYLOAD_DEPTH,
  nestedDeeperThan,
  TRACE_ID_MAX_LENGTH,
} from './event-limits.js';
import type { telemetryEventSchema } from './event-schema.js';

/** Actions the agent writes; anything else is still readable, but folds into `other` in metrics. */
export const TELEMETRY_ACTIONS = [
  'recommend',
  'explain',
  'export',
  'unauthorized',
  'rate_limited',
  'unknown',
] as const;
export type KnownTelemetryAction = (typeof TELEMETRY_ACTIONS)[number];

/**
 * The action of a gap record: the writer's note that it lost events (payload `dropped`, `since`,
 * `until`; `error` says why). Not a request: summaries and metrics count it apart.
 */
export const TELEMETRY_GAP_ACTION = 'telemetry_gap';

export {
  ACTION_MAX_LENGTH,
  INSTANCE_MAX_LENGTH,
  MAX_PAYLOAD_DEPTH,
  TRACE_ID_MAX_LENGTH,
} from './event-limits.js';

export type TelemetryEvent = z.infer<typeof telemetryEventSchema>;
/** What a writer accepts: payload and error may be left out. */
export type TelemetryEventInput = z.input<typeof telemetryEventSchema>;

type Issue = [field: string, message: string];

/** zod's name for a JSON value's type in "received …" (zod 4's en locale). */
function received(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const invalid = (expected: string, got: string) =>
  `Invalid input: expected ${expected}, received ${got}`;

function checkString(field: string, value: unknown, min: number, max: number): Issue | undefined {
  if (typeof value !== 'string') return [field, invalid('string', received(value))];
  if (value.length < min) return [field, `Too small: expected string to have >=${min} characters`];
  if (value.length > max) return [field, `Too big: expected string to have <=${max} characters`];
  return undefined;
}

function checkNumber(field: string, value: unknown, min?: number): Issue | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return [field, invalid('number', received(value))];
  }
  if (min !== undefined && value < min) return [field, `Too small: expected number to be >=${min}`];
  return undefined;
}

const tooDeep: Issue = ['payload', `is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`];

/** A payload JSON.stringify cannot write so that it reads back the same. */
class Unwritable extends Error {
  /** Keys from the payload down to the value, filled in as the error unwinds. */
  readonly path: string[] = [];

  constructor(
    message: string,
    readonly wholePayload = false,
  ) {
    super(message);
  }
}

/** The payload as JSON.parse gave it, copied key by key as zod's record does. */
function payloadAsParsed(payload: object): Record<string, unknown> | Issue {
  const copy: Record<string, unknown> = {};
  // A "__proto__" key sets the copy's prototype here, exactly as it does in zod.
  for (const key of Object.keys(payload)) copy[key] = (payload as Record<string, unknown>)[key];
  return nestedDeeperThan(copy, MAX_PAYLOAD_DEPTH) ? tooDeep : copy;
}

/** `child` (found at `key`) as written, naming the key in the path of a problem below it. */
function childAsWritten(child: unknown, key: string | number, depth: number): unknown {
  try {
    return asWritten(child, depth);
  } catch (error) {
    if (error instanceof Unwritable) error.path.unshift(String(key));
    throw error;
  }
}

/**
 * A payload value as JSON.stringify writes it and JSON.parse reads it back: undefined, functions
 * and symbols are left out of objects (null in arrays), non-finite numbers become null and -0
 * becomes 0. What JSON would write differently from what it was given is refused: a bigint,
 * an object that is not a plain object or array (JSON would call its toJSON or keep only some
 * fields), and a "__proto__" key (read back, it sets the payload's prototype). A container that
 * JSON writes as it is comes back as it is, not copied: the writer checks every event.
 */
function asWritten(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null; // -0 + 0 is 0
    case 'bigint':
      throw new Unwritable('a bigint cannot be written as JSON');
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  if (depth > MAX_PAYLOAD_DEPTH) throw new Unwritable(tooDeep[1], true);
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value) && proto === Array.prototype) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      const item = childAsWritten(child, i, depth + 1) ?? null;
      if (copy) copy.push(item);
      else if (!Object.is(item, child)) copy = [...value.slice(0, i), item];
    }
    return copy ?? value;
  }
  if (proto !== Object.prototype && proto !== null) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    throw new Unwritable(`Invalid input: expected a plain object or array, received ${name}`);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // An object without a prototype is copied: a reader gives back a plain one.
  let copy: Record<string, unknown> | undefined = proto === null ? {} : undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key === '__proto__')
      throw new Unwritable('a "__proto__" key cannot be read back as written');
    const child = record[key];
    const item = childAsWritten(child, key, depth + 1);
    // JSON leaves out a key whose value it cannot write.
    if (!copy && (item === undefined || !Object.is(item, child))) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j] as string] = record[keys[j] as string];
    }
    if (copy && item !== undefined) copy[key] = item;
  }
  return copy ?? value;
}

function payloadAsWritten(payload: object): Record<string, unknown> | Issue {
  try {
    return asWritten(payload, 1) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof Unwritable)) {
      return [
        'payload',
        `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      ];
    }
    return error.wholePayload ? tooDeep : [['payload', ...error.path].join('.'), error.message];
  }
}

/**
 * The schema's rules by hand (zod would weigh on every telemetry consumer's memory, and on the
 * writer's per-event budget): the event, known fields only, in schema order, defaults
 * applied, or the schema's first issue as `field: message`. `fromJson` says the values came from
 * JSON.parse; otherwise they come from code, and the event is what JSON will write of them.
 */
function validateEvent(raw: Record<string, unknown>, fromJson: boolean): ParsedLine {
  const { ts, action, success, latency_ms, payload, error, trace_id, instance } = raw;
  let copy: Record<string, unknown> | Issue = {};
  const issue =
    checkNumber('ts', ts) ??
    checkString('action', action, 1, ACTION_MAX_LENGTH) ??
    (typeof success === 'boolean'
      ? undefined
      : (['success', invalid('boolean', received(success))] as Issue)) ??
    checkNumber('latency_ms', latency_ms, 0) ??
    (() => {
      if (payload === undefined) return undefined;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        return ['payload', invalid('record', received(payload))] as Issue;
      }
      copy = fromJson ? payloadAsParsed(payload) : payloadAsWritten(payload);
      return Array.isArray(copy) ? copy : undefined;
    })() ??
    (error === undefined || error === null
      ? undefined
      : checkString('error', error, 0, Number.POSITIVE_INFINITY)) ??
    (trace_id === undefined
      ? undefined
      : checkString('trace_id', trace_id, 0, TRACE_ID_MAX_LENGTH)) ??
    (instance === undefined
      ? undefined
      : checkString('instance', instance, 0, INSTANCE_MAX_LENGTH));
  if (issue) return { ok: false, reason: `${issue[0]}: ${issue[1]}` };
  // JSON writes -0 as 0; a parsed -0 stays as zod leaves it.
  const event: TelemetryEvent = {
    ts: fromJson ? (ts as number) : (ts as number) + 0,
    action: action as string,
    success: success as boolean,
    latency_ms: fromJson ? (latency_ms as number) : (latency_ms as number) + 0,
    payload: copy as Record<string, unknown>,
    error: (error ?? null) as string | null,
  };
  if (trace_id !== undefined) event.trace_id = trace_id as string;
  if (instance !== undefined) event.instance = instance as string;
  return { ok: true, event };
}

/**
 * Checks an event given by code, as the telemetry writer does before it writes: the event
 * exactly as `formatTelemetryLine` writes it and `parseTelemetryLine` reads it back (a payload
 * key whose value is undefined is left out, -0 becomes 0, a NaN inside the payload becomes
 * null), or the first reason it cannot be written, such as `payload: is nested deeper than 32
 * levels`. The same rules as `parseTelemetryLine`. A payload JSON writes as it is stays the
 * caller's own object, not a copy.
 *
 * @example
 * const checked = validateTelemetryEvent({ ts: 1, action: 'recommend', success: true, latency_ms: 3 });
 * if (checked.ok) process.stdout.write(formatTelemetryLine(checked.event));
 */
export function validateTelemetryEvent(input: unknown): ParsedLine {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, reason: `event: ${invalid('object', received(input))}` };
  }
  return validateEvent(input as Record<string, unknown>, false);
}

/** The original Python Event Kit's field names, mapped onto ours before validation. */
export function normaliseLegacy(raw: Record<string, unknown>): Record<string, unknown> {
  if ('ts' in raw && 'latency_ms' in raw) return raw;
  const { timestamp, start, duration_ms, correlation_id, trace_id, ...rest } = raw;
  const normalised: Record<string, unknown> = {
    ...rest,
    ts: raw.ts ?? timestamp ?? start,
    latency_ms: raw.latency_ms ?? duration_ms,
  };
  const traceId = trace_id ?? correlation_id ?? undefined;
  if (traceId !== undefined) normalised.trace_id = traceId;
  return normalised;
}

export type ParsedLine = { ok: true; event: TelemetryEvent } | { ok: false; reason: string };

/**
 * Parses one line of a telemetry file (ours or the Python Event Kit's). Never throws.
 *
 * @example
 * const parsed = parseTelemetryLine('{"ts":1,"action":"recommend","success":true,"latency_ms":3}');
 * if (parsed.ok) console.log(parsed.event.action);
 */
export function parseTelemetryLine(line: string): ParsedLine {
  if (line.trim() === '') return { ok: false, reason: 'blank line' };
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  return validateEvent(normaliseLegacy(raw as Record<string, unknown>), true);
}

/** A number as JSON writes it: non-finite numbers become null. */
const jsonNumber = (n: number): string => (Number.isFinite(n) ? `${n}` : 'null');

/**
 * Serialises an event as one JSONL line (with its trailing newline), fields in schema order:
 * what JSON.stringify gives for the event, written out field by field (the writer calls this for
 * every request; one JSON.stringify of the whole object costs half as much again).
 */
export function formatTelemetryLine(event: TelemetryEvent): string {
  const trace = event.trace_id === undefined ? '' : `,"trace_id":${JSON.stringify(event.trace_id)}`;
  const instance =
    event.instance === undefined ? '' : `,"instance":${JSON.stringify(event.instance)}`;
  const error = event.error === null ? 'null' : JSON.stringify(event.error);
  return `{"ts":${jsonNumber(event.ts)},"action":${JSON.stringify(event.action)},"success":${event.success},"latency_ms":${jsonNumber(event.latency_ms)},"payload":${JSON.stringify(event.payload)},"error":${error}${trace}${instance}}\n`;
}
