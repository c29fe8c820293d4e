import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** A valid telemetry line (with its newline); `i` makes every line (and so every fingerprint) distinct. */
export function telemetryLine(
  i: number,
  { action = 'recommend', success = true, latencyMs = 12.5 } = {},
): string {
  return `${JSON.stringify({
    ts: 1732540000 + i / 1000,
    action,
    success,
    latency_ms: latencyMs,
    payload: { top: 5 },
    error: success ? null : 'failed',
    trace_id: i.toString(16).padStart(32, '0'),
  })}\n`;
}

/** Appends lines `from`..`from+count-1`; returns the next index. */
export function appendLines(file: string, from: number, count: number): number {
  let text = '';
  for (let i = from; i < from + count; i++) text += telemetryLine(i);
  appendFileSync(file, text);
  return from + count;
}

export function gzipInPlace(path: string): string {
  writeFileSync(`${path}.gz`, gzipSync(readFileSync(path)));
  rmSync(path);
  return `${path}.gz`;
}

export function tempDir(prefix = 'exporter-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
