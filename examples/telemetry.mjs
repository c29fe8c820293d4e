import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTelemetryWriter } from '@eventkit/core';
import { readTelemetry, summarizeTelemetry } from '@eventkit/core/analysis';
import { parseTelemetryLine } from '@eventkit/core/telemetry';

const dir = await mkdtemp(join(tmpdir(), 'eventkit-'));
const file = join(dir, 'telemetry.jsonl');

// Write: write() never throws and never waits on the disk; close() writes what is queued.
const telemetry = createTelemetryWriter({ file });
telemetry.write({ ts: 1767225600, action: 'recommend', success: true, latency_ms: 12.5 });
telemetry.write({
  ts: 1767225601,
  action: 'explain',
  success: false,
  latency_ms: 3,
  error: 'session not found',
});
await telemetry.close();

// Read back: rotated archives first, then the live file; bad lines are skipped and counted.
const actions = [];
for await (const event of readTelemetry(file)) actions.push(event.action);
console.log(actions.join(' ')); // recommend explain

// Summarise: counts, error rate (percent) and latency percentiles per action.
const summary = await summarizeTelemetry(file);
console.log(summary.total, summary.error_rate, summary.actions.recommend.p95_ms); // 2 50 12.5

// One line on its own: the same rules the writer and every reader apply.
const parsed = parseTelemetryLine('{"ts":1,"action":"export","success":true,"latency_ms":-1}');
console.log(parsed.ok, parsed.ok || parsed.reason.split(':')[0]); // false latency_ms

await rm(dir, { recursive: true });
