import type { TelemetryEvent, TelemetryEventInput } from './event.js';

export type ValidatedInput = { ok: true; event: TelemetryEvent } | { ok: false; reason: string };

/** The schema's rules, checked by hand: zod per event would cost most of the writer's budget. */
export function validateTelemetryInput(input: TelemetryEventInput): ValidatedInput {
  if (typeof input !== 'object' || input === null) {
    return { ok: false, reason: 'event must be an object' };
  }
  const { ts, action, success, latency_ms, payload, error, trace_id } = input;
  if (typeof ts !== 'number' || !Number.isFinite(ts)) {
    return { ok: false, reason: 'ts must be a finite number' };
  }
  if (typeof action !== 'string' || action.length === 0 || action.length > 200) {
    return { ok: false, reason: 'action must be a string of 1 to 200 characters' };
  }
  if (typeof success !== 'boolean') return { ok: false, reason: 'success must be a boolean' };
  if (typeof latency_ms !== 'number' || !Number.isFinite(latency_ms) || latency_ms < 0) {
    return { ok: false, reason: 'latency_ms must be a finite number >= 0' };
  }
  if (
    payload !== undefined &&
    (typeof payload !== 'object' || payload === null || Array.isArray(payload))
  ) {
    return { ok: false, reason: 'payload must be an object' };
  }
  if (error !== undefined && error !== null && typeof error !== 'string') {
    return { ok: false, reason: 'error must be a string or null' };
  }
  if (trace_id !== undefined && (typeof trace_id !== 'string' || trace_id.length > 200)) {
    return { ok: false, reason: 'trace_id must be a string of at most 200 characters' };
  }
  return {
    ok: true,
    event: {
      ts,
      action,
      success,
      latency_ms,
      payload: payload ?? {},
      error: error ?? null,
      trace_id,
    },
  };
}
