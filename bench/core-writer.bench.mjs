#!/usr/bin/env node
// Telemetry writer throughput: @eventkit/core's createTelemetryWriter (built dist) against a naive
// baseline measured in the same run — fs.appendFileSync(file, JSON.stringify(event) + '\n') per
// event, which is what the original Python Event Kit did (open, append one line, close).
//
//   pnpm --filter @eventkit/core build
//   node bench/core-writer.bench.mjs [--events 1000000] [--baseline-events 1000000]
//
// Producers yield to the event loop every 1,000 events (as request handlers do between requests),
// so the writer's background writes can run. Prints numbers; asserts only correctness (line counts).
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

const dist = new URL('../packages/core/dist/index.js', import.meta.url);
if (!existsSync(dist)) {
  console.error('core-writer bench: build core first: pnpm --filter @eventkit/core build');
  process.exit(2);
}
const { createTelemetryWriter } = await import(dist.href);

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    'baseline-events': { type: 'string' },
  },
});
const events = Number(values.events);
const baselineEvents = Number(values['baseline-events'] ?? events);

const ACTIONS = ['recommend', 'explain', 'export'];
const BASE_TS = 1_732_540_000;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function eventAt(i) {
  const failed = i % 67 === 0;
  return {
    ts: BASE_TS + i / 1000,
    action: ACTIONS[i % 3],
    success: !failed,
    latency_ms: ((i * 7919) % 25_000) / 100,
    payload: { interests_count: i % 5, top: 5, source: 'manifest', conflicts: i % 3, returned: 5 },
    error: failed ? 'Graph API timeout' : null,
    trace_id: TRACE,
  };
}

const yieldNow = () => new Promise((done) => setImmediate(done));
let peakRss = 0;
const sampleRss = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);

function countLines(paths) {
  let lines = 0;
  for (const path of paths) {
    const raw = readFileSync(path);
    const text = path.endsWith('.gz') ? gunzipSync(raw) : raw;
    for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

async function runWriter(label, options) {
  const dir = await mkdtemp(join(tmpdir(), 'eventkit-bench-writer-'));
  const file = join(dir, 'telemetry.jsonl');
  const writer = createTelemetryWriter({ file, ...options });
  peakRss = process.memoryUsage.rss();
  const start = process.hrtime.bigint();
  for (let i = 0; i < events; i++) {
    writer.write(eventAt(i));
    if (i % 1000 === 999) await yieldNow();
  }
  await writer.flush();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const closeStart = process.hrtime.bigint();
  await writer.close();
  const closeSeconds = Number(process.hrtime.bigint() - closeStart) / 1e9;
  const rss = Math.max(peakRss, process.memoryUsage.rss());
  const files = (await readdir(dir)).map((name) => join(dir, name));
  const lines = countLines(files);
  const bytes = files.reduce((sum, path) => sum + statSync(path).size, 0);
  await rm(dir, { recursive: true, force: true });
  if (lines !== events || writer.stats.written !== events || writer.stats.dropped !== 0) {
    console.error(`${label}: expected ${events} lines, found ${lines}`, writer.stats);
    process.exit(1);
  }
  return { label, seconds, closeSeconds, files: files.length, bytes, stats: writer.stats, rss };
}

async function runBaseline() {
  const dir = await mkdtemp(join(tmpdir(), 'eventkit-bench-naive-'));
  const file = join(dir, 'telemetry.jsonl');
  const start = process.hrtime.bigint();
  for (let i = 0; i < baselineEvents; i++) {
    appendFileSync(file, `${JSON.stringify(eventAt(i))}\n`);
    if (i % 1000 === 999) await yieldNow();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const lines = countLines([file]);
  await rm(dir, { recursive: true, force: true });
  if (lines !== baselineEvents) {
    console.error(`baseline: expected ${baselineEvents} lines, found ${lines}`);
    process.exit(1);
  }
  return { seconds };
}

const rate = (count, seconds) => Math.round(count / seconds);
const fmt = (n) => n.toLocaleString('en-US');

console.log(`core-writer bench: ${fmt(events)} events, node ${process.version}`);
const plain = await runWriter('writer, no rotation', { maxSizeBytes: 0 });
const rotating = await runWriter('writer, 50 MiB rotation + gzip', {});
const baseline = await runBaseline();
clearInterval(sampleRss);

const baselineRate = rate(baselineEvents, baseline.seconds);
for (const run of [plain, rotating]) {
  const perSecond = rate(events, run.seconds);
  console.log(
    `${run.label.padEnd(34)} ${fmt(perSecond).padStart(11)} events/s  (${run.seconds.toFixed(2)} s to disk, ` +
      `close ${run.closeSeconds.toFixed(2)} s, ${run.files} file(s), ${fmt(run.bytes)} bytes, ` +
      `${run.stats.rotations} rotations, peak RSS ${(run.rss / 1024 / 1024).toFixed(0)} MB)  ` +
      `${(perSecond / baselineRate).toFixed(1)}x baseline`,
  );
}
console.log(
  `${'naive appendFileSync per event'.padEnd(34)} ${fmt(baselineRate).padStart(11)} events/s  ` +
    `(${fmt(baselineEvents)} events, ${baseline.seconds.toFixed(2)} s)`,
);
