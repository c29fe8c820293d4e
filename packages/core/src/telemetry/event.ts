import { z } from 'zod';

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

function nestedDeeperThan(root: object, limit: number): boolean {
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

const payloadSchema = z
  .record(z.string(), z.unknown())
  .refine((payload) => !nestedDeeperThan(payload, MAX_PAYLOAD_DEPTH), {
    message: `is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`,
  });

/**
 * One telemetry line, as DESIGN.md defines it. The TypeScript type is derived from this schema;
 * nothing else in Event Kit declares the shape again.
 */
export const telemetryEventSchema = z.object({
  ts: z.number().finite(),
  action: z.string().min(1).max(200),
  success: z.boolean(),
  latency_ms: z.number().finite().nonnegative(),
  payload: payloadSchema.default({}),
  error: z.string().nullable().default(null),
  trace_id: z.string().max(200).optional(),
});

export type TelemetryEvent = z.infer<typeof telemetryEventSchema>;
/** What a writer accepts: payload and error may be left out. */
export type TelemetryEventInput = z.input<typeof telemetryEventSchema>;

/** The original Python Event Kit's field names, mapped onto ours before validation. */
function normaliseLegacy(raw: Record<string, unknown>): Record<string, unknown> {
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
  const result = telemetryEventSchema.safeParse(normaliseLegacy(raw as Record<string, unknown>));
  if (!result.success) {
    const issue = result.error.issues[0];
    return {
      ok: false,
      reason: `${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, event: result.data };
}

/** Serialises an event as one JSONL line (with its trailing newline), fields in schema order. */
export function formatTelemetryLine(event: TelemetryEvent): string {
  return `${JSON.stringify({
    ts: event.ts,
    action: event.action,
    success: event.success,
    latency_ms: event.latency_ms,
    payload: event.payload,
    error: event.error,
    ...(event.trace_id === undefined ? {} : { trace_id: event.trace_id }),
  })}\n`;
}
