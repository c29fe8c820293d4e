import { formatTelemetryLine, type TelemetryEvent } from '@eventkit/core/telemetry';
import type { Colors } from './colors.js';

export type EventFormat = 'jsonl' | 'pretty';

/** One event per line: core's JSONL (pipe-able to jq), or a human line with `--pretty`. */
export function formatEvent(event: TelemetryEvent, format: EventFormat, c: Colors): string {
  if (format === 'jsonl') return formatTelemetryLine(event);
  const time = new Date(event.ts * 1000).toISOString();
  const status = event.success ? c.green('ok  ') : c.red('FAIL');
  const latency = `${event.latency_ms}ms`.padStart(9);
  const error = event.error ? ` ${c.red(event.error)}` : '';
  const trace = event.trace_id ? c.dim(` trace=${event.trace_id}`) : '';
  // Which process wrote it, when lines of several instances are shown together (`tail -f`).
  const instance = event.instance ? c.dim(` instance=${event.instance}`) : '';
  return `${c.dim(time)} ${event.action.padEnd(12)} ${status} ${latency}${error}${instance}${trace}\n`;
}

/** The seed's slow-query line: `jq -r '"\(.action): \(.latency_ms)ms - \(.payload)"'`. */
export function formatSlowLine(event: TelemetryEvent): string {
  return `${event.action}: ${event.latency_ms}ms - ${JSON.stringify(event.payload)}\n`;
}
