import type { TelemetrySummary } from '@eventkit/core/analysis';
import type { TelemetryEvent } from '@eventkit/core/telemetry';
import { makeEvents, toJsonl } from '../../test-support/run-cli.js';

export const START = 1_732_540_000;
export const WEEK = 7 * 86_400;

/** The summary numbers the report must show, keyed as its `data-metric` attributes. */
export function summaryNumbers(summary: TelemetrySummary): Map<string, number> {
  const numbers = new Map<string, number>([
    ['total', summary.total],
    ['failures', summary.failures],
    ['success_rate', summary.success_rate],
    ['error_rate', summary.error_rate],
    ['malformed_lines', summary.malformed_lines],
    ['gaps.records', summary.gaps.records],
    ['gaps.dropped', summary.gaps.dropped],
  ]);
  for (const [name, a] of Object.entries(summary.actions)) {
    for (const field of ['count', 'share', 'failures', 'p50_ms', 'p95_ms', 'p99_ms'] as const) {
      numbers.set(`actions.${name}.${field}`, a[field]);
    }
  }
  return numbers;
}

const decode = (text: string) =>
  text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');

/** `data-metric` → `data-value` of every number in a report's HTML. */
export function shownNumbers(html: string): Map<string, number> {
  const shown = new Map<string, number>();
  for (const match of html.matchAll(/data-metric="([^"]*)" data-value="([^"]*)"/g)) {
    shown.set(decode(match[1] as string), Number(match[2]));
  }
  return shown;
}

/**
 * A morning of mixed traffic with what a report must cope with: malformed lines, a gap record,
 * an action name and an error message that are HTML, and an unknown action.
 */
export function mixedTelemetry(count = 3000): string {
  const events = makeEvents(count, START, 2);
  const hostile: TelemetryEvent[] = [
    {
      ts: START + 100.5,
      action: 'export',
      success: false,
      latency_ms: 900,
      payload: {},
      error: '<script>alert("pwned")</script> & <b>bold</b>',
      trace_id: 'trace-<img src=x>',
    },
    {
      ts: START + 101,
      action: 'warmup_probe',
      success: true,
      latency_ms: 3,
      payload: {},
      error: null,
    },
  ];
  const gap = `{"ts":${START + 2000},"action":"telemetry_gap","success":false,"latency_ms":0,"payload":{"dropped":42,"since":${START + 1990},"until":${START + 1999}},"error":"ENOSPC: disk full"}\n`;
  return `${toJsonl(events.slice(0, 500))}not json\n${toJsonl(hostile)}${gap}{"ts":1,"action":"x"}\n${toJsonl(events.slice(500))}`;
}

/**
 * Two weeks, one request a minute, where `recommend` gets twice as slow in the second week (its
 * p95 doubles) and nothing else changes.
 */
export function regressionTelemetry(): string {
  const lines: TelemetryEvent[] = [];
  const actions = ['recommend', 'recommend', 'explain', 'export'];
  for (let i = 0; i < (2 * WEEK) / 60; i++) {
    const ts = START + i * 60;
    const action = actions[i % actions.length] as string;
    const base = 5 + ((i * 7919) % 100) / 4;
    const slower = action === 'recommend' && ts >= START + WEEK ? 2 : 1;
    lines.push({
      ts,
      action,
      success: i % 97 !== 0,
      latency_ms: Math.round(base * slower * 10) / 10,
      payload: {},
      error: i % 97 !== 0 ? null : 'upstream timeout',
      trace_id: i.toString(16).padStart(32, '0'),
    });
  }
  return toJsonl(lines);
}
