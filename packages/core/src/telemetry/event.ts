import type { z } from 'zod';
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
 * Containers nested deeper than this (the payload object itself is level 1) make a line
 * malformed: such a payload could not be written back, since JSON.stringify recurses.
 */
export const MAX_PAYLOAD_DEPTH = 32;

/** True when a container inside `root` (level 1) is nested deeper than `limit`. */
export function nestedDeeperThan(root: object, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (depth > limit) return true;
    for (const child of Object.values(value as object)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Longest `action` and `trace_id` a line may carry. */
export const ACTION_MAX_LENGTH = 200;
export const TRACE_ID_MAX_LENGTH = 200;

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

/**
 * `telemetryEventSchema.safeParse` by hand, for a JSON object: the event (known fields only, in
 * schema order, defaults applied) or the schema's first issue as `field: message`. Loading zod
 * for this would cost ~14 MB in every telemetry consumer (the exporter, reader workers).
 */
function validateEvent(raw: Record<string, unknown>): ParsedLine {
  const { ts, action, success, latency_ms, payload, error, trace_id } = raw;
  let copy: Record<string, unknown> = {};
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
      // Copied key by key as zod's record does (a "__proto__" key sets the copy's prototype).
      for (const key of Object.keys(payload)) copy[key] = (payload as Record<string, unknown>)[key];
      return nestedDeeperThan(copy, MAX_PAYLOAD_DEPTH)
        ? (['payload', `is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`] as Issue)
        : undefined;
    })() ??
    (error === undefined || error === null
      ? undefined
      : checkString('error', error, 0, Number.POSITIVE_INFINITY)) ??
    (trace_id === undefined
      ? undefined
      : checkString('trace_id', trace_id, 0, TRACE_ID_MAX_LENGTH));
  if (issue) return { ok: false, reason: `${issue[0]}: ${issue[1]}` };
  if (payload === undefined) copy = {};
  const event: TelemetryEvent = {
    ts: ts as number,
    action: action as string,
    success: success as boolean,
    latency_ms: latency_ms as number,
    payload: copy,
    error: (error ?? null) as string | null,
  };
  if ('trace_id' in raw) event.trace_id = trace_id as string | undefined;
  return { ok: true, event };
}

/** The original Python Event Kit's field names, mapped onto ours before validation. */
export function normaliseLegacy(raw: Record<string, unknown>): Record<string, unknown> {
  if ('ts' in raw && 'latency_ms' in raw) return raw;
  const { timestamp, start, duration_ms, correlation_id, ...rest } = raw;
  return {
    ...rest,
    ts: raw.ts ?? timestamp ?? start,
    latency_ms: raw.latency_ms ?? duration_ms,
    trace_id: raw.trace_id ?? correlation_id ?? undefined,
  };
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
  return validateEvent(normaliseLegacy(raw as Record<string, unknown>));
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
  const error = event.error === null ? 'null' : JSON.stringify(event.error);
  return `{"ts":${jsonNumber(event.ts)},"action":${JSON.stringify(event.action)},"success":${event.success},"latency_ms":${jsonNumber(event.latency_ms)},"payload":${JSON.stringify(event.payload)},"error":${error}${trace}}\n`;
}
