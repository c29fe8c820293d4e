#!/usr/bin/env node
// event-agent-exporter ingest benchmark, on the BUILT binary (apps/exporter/dist/main.js):
//  1. catch-up: lines/s reading a 1,000,000-line file from scratch (from the "listening" line to the
//     last line counted, polled every 20 ms), and peak RSS (VmHWM) — also for a 4× smaller file, to
//     show RSS does not grow with the file — with node's defaults and with the unit's node flags;
//  2. the same catch-up by mtail (Debian's `mtail`, `--one_shot` over the same file with
//     bench/mtail/event-agent.mtail: the same request, error and latency series), whole process
//     timed, as the baseline of the exporter's ratio; skipped with a note when mtail is missing;
//  3. steady state: CPU of the exporter process (utime+stime from /proc/<pid>/stat) while 1,000
//     lines/s are appended in 100-line batches every 100 ms.
//
//   pnpm exec turbo run build --filter=@eventkit/exporter...
//   node bench/exporter-ingest.bench.mjs [--lines 1000000] [--steady-seconds 20] [--rate 1000]
//
// Lines come from bench/generate-telemetry.mjs (deterministic, ~210 bytes, DESIGN.md format).
// Prints numbers and asserts only correctness (every line counted).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTelemetryFile, generateTelemetry } from './generate-telemetry.mjs';

const BIN = new URL('../apps/exporter/dist/main.js', import.meta.url).pathname;
if (!existsSync(BIN)) {
  console.error(
    'exporter bench: build first: pnpm exec turbo run build --filter=@eventkit/exporter...',
  );
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    'steady-seconds': { type: 'string', default: '20' },
    rate: { type: 'string', default: '1000' },
  },
});
const LINES = Number(values.lines);
const STEADY_SECONDS = Number(values['steady-seconds']);
const RATE = Number(values.rate);
const CLOCK_TICKS = 100; // USER_HZ on Linux

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startExporter(file, extra = [], nodeFlags = []) {
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      BIN,
      '--file',
      file,
      '--port',
      '0',
      '--no-state-file',
      '--poll-interval',
      '10',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const port = await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = stderr.match(/metrics on http:\/\/[^:]+:(\d+)\/metrics/);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`exporter exited ${code}: ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines = async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(text.match(/^event_agent_exporter_lines_total (\S+)$/m)?.[1] ?? 0);
  };
  const status = () => {
    const text = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return {
      hwmKb: Number(text.match(/VmHWM:\s+(\d+)/)[1]),
      rssKb: Number(text.match(/VmRSS:\s+(\d+)/)[1]),
    };
  };
  const cpuSeconds = () => {
    // Fields after the ")" of comm: state is field 3; utime 14, stime 15.
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  };
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  return { lines, status, cpuSeconds, stop };
}

async function catchUp(lines, nodeFlags) {
  const data = ensureTelemetryFile({ lines });
  const exporter = await startExporter(data.file, [], nodeFlags);
  const started = performance.now();
  let seen = 0;
  while (seen < lines) {
    await sleep(20);
    seen = await exporter.lines();
  }
  const seconds = (performance.now() - started) / 1000;
  const { hwmKb } = exporter.status();
  await exporter.stop();
  if (seen !== lines) throw new Error(`counted ${seen} lines, wrote ${lines}`);
  return {
    lines,
    mb: data.bytes / 1e6,
    seconds,
    linesPerSecond: lines / seconds,
    peakRssMb: hwmKb / 1024,
  };
}

/** mtail's catch-up over the same file: the whole `--one_shot` process, or `{ unavailable }` without mtail. */
function mtailCatchUp(lines) {
  const data = ensureTelemetryFile({ lines });
  const progs = new URL('./mtail/', import.meta.url).pathname;
  const args = ['--one_shot', '--one_shot_format', 'prometheus', '--progs', progs];
  const started = performance.now();
  const run = spawnSync(
    'mtail',
    [...args, '--logs', data.file, '--address', '127.0.0.1', '--port', '0'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const seconds = (performance.now() - started) / 1000;
  if (run.error) return { unavailable: run.error.message };
  if (run.status !== 0)
    return { unavailable: `mtail exited ${run.status}: ${run.stderr.slice(-300)}` };
  let seen = 0;
  for (const match of run.stdout.matchAll(/^event_agent_requests_total\{[^}]*\} (\d+)$/gm)) {
    seen += Number(match[1]);
  }
  if (seen !== lines) throw new Error(`mtail counted ${seen} lines, wrote ${lines}`);
  return { seconds, linesPerSecond: lines / seconds };
}

async function steady() {
  const dir = await mkdtemp(join(tmpdir(), 'exporter-bench-'));
  try {
    const source = join(dir, 'source.jsonl');
    const total = RATE * STEADY_SECONDS;
    generateTelemetry({ lines: total, file: source, seed: 7 });
    const all = readFileSync(source, 'latin1').split('\n').filter(Boolean);
    const file = join(dir, 'telemetry.jsonl');
    const exporter = await startExporter(file, ['--poll-interval', '250']);
    await sleep(1000); // let startup (JIT, module loading) settle before measuring
    const batch = RATE / 10;
    const cpuBefore = exporter.cpuSeconds();
    const started = performance.now();
    for (let i = 0; i < all.length; i += batch) {
      appendFileSync(file, `${all.slice(i, i + batch).join('\n')}\n`, 'latin1');
      const due = started + ((i + batch) / RATE) * 1000;
      await sleep(Math.max(0, due - performance.now()));
    }
    const elapsed = (performance.now() - started) / 1000;
    const cpu = exporter.cpuSeconds() - cpuBefore;
    let seen = 0;
    while (seen < total) {
      seen = await exporter.lines();
      if (seen < total) await sleep(100);
    }
    const { rssKb } = exporter.status();
    await exporter.stop();
    return { rate: RATE, seconds: elapsed, cpuPercent: (cpu / elapsed) * 100, rssMb: rssKb / 1024 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
// The systemd unit runs node with a 2 MiB young generation: same speed, ~10 MB less RSS.
for (const nodeFlags of [[], ['--max-semi-space-size=2']]) {
  for (const lines of [Math.floor(LINES / 4), LINES]) {
    const r = await catchUp(lines, nodeFlags);
    console.log(
      `catch-up  ${fmt(r.lines)} lines (${fmt(r.mb, 0)} MB): ${fmt(r.seconds, 2)} s, ${fmt(r.linesPerSecond)} lines/s, peak RSS ${fmt(r.peakRssMb, 1)} MB ${nodeFlags.join(' ') || '(node defaults)'}`,
    );
  }
}
const exporterFull = await catchUp(LINES, []);
const m = mtailCatchUp(LINES);
if (m.unavailable) console.log(`mtail     unavailable (${m.unavailable}): no baseline ratio`);
else {
  console.log(
    `mtail     ${fmt(LINES)} lines: ${fmt(m.seconds, 2)} s, ${fmt(m.linesPerSecond)} lines/s (whole --one_shot process)`,
  );
  console.log(
    `ratio     exporter / mtail catch-up: ${fmt(exporterFull.linesPerSecond / m.linesPerSecond, 1)}x (target >= 10x)`,
  );
}
const s = await steady();
console.log(
  `steady    ${fmt(s.rate)} lines/s for ${fmt(s.seconds, 1)} s: CPU ${fmt(s.cpuPercent, 2)}% of one core, RSS ${fmt(s.rssMb, 1)} MB`,
);
