import { formatTelemetryLine } from '../../telemetry/event.js';

/** mulberry32: deterministic test data from a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = ['recommend', 'recommend', 'recommend', 'explain', 'explain', 'export', 'unknown'];

const MALFORMED: ((line: string) => Buffer)[] = [
  (line) => Buffer.from(line.slice(0, Math.floor(line.length / 2))),
  (line) => Buffer.from(line.replace(/"latency_ms":([\d.]+)/, '"latency_ms":"$1"')),
  () => Buffer.alloc(0),
  (line) => Buffer.from(line.replace('"trace_id":"', '"trace_id":"\xff'), 'latin1'),
  () => Buffer.from('not JSON at all'),
  (line) => Buffer.from(line.replace(/"latency_ms":([\d.]+)/, '"latency_ms":-1$1')),
];

/**
 * Telemetry lines (without newlines) in our format, `malformedPercent` of them broken in one of
 * several ways, and a few in the Python Event Kit's format.
 */
export function telemetryLines(count: number, { malformedPercent = 0, seed = 7 } = {}): Buffer[] {
  const random = seededRandom(seed);
  const lines: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const action = ACTIONS[Math.floor(random() * ACTIONS.length)] as string;
    const success = random() > 0.05;
    const latency = Math.round(Math.exp(random() * 6) * 1000) / 1000;
    const ts = 1_732_540_000 + i * 0.25;
    if (random() < 0.01) {
      lines.push(
        Buffer.from(
          JSON.stringify({
            action,
            start: ts,
            duration_ms: latency,
            success,
            error: null,
            correlation_id: 'c',
          }),
        ),
      );
      continue;
    }
    const line = formatTelemetryLine({
      ts,
      action,
      success,
      latency_ms: latency,
      payload: { top: 5, source: 'manifest' },
      error: success ? null : 'session not found',
      trace_id: Math.floor(random() * 2 ** 52)
        .toString(16)
        .padStart(32, '0'),
    }).slice(0, -1);
    if (random() * 100 < malformedPercent) {
      lines.push(
        (MALFORMED[Math.floor(random() * MALFORMED.length)] as (l: string) => Buffer)(line),
      );
    } else {
      lines.push(Buffer.from(line));
    }
  }
  return lines;
}

export function joinLines(lines: Buffer[]): Buffer {
  return Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
}
