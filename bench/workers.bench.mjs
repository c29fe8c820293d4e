#!/usr/bin/env node
// Throughput of the agent with 1 and with 2 workers (`--workers`), in ONE run on 127.0.0.1 with
// autocannon: GET /recommend on the bundled sample event, telemetry on (each worker its own file),
// the application log to a temp LOG_FILE at INFO, as in production. Both servers are started,
// warmed up, then measured in interleaved rounds (1, 2, 1, 2, …) of a fixed duration, so
// background load on a shared machine hits both alike; the median round is reported, with the
// ratio 2 workers / 1 worker. The load generator runs on the same machine and takes a core of
// its own: on a 2-core machine the two workers and autocannon share two cores.
//
//   pnpm exec turbo run build --filter=@eventkit/agent-server...
//   node bench/workers.bench.mjs [--duration 5] [--rounds 5] [--warmup 2] [--connections 64] [--workers 2]
//
// Checks (exit 1 when broken): zero non-2xx and socket errors, each server exits 0 on SIGTERM,
// and the telemetry lines of every worker's file add up to the requests served (the
// "Request completed" log lines).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AGENT_MAIN,
  CLOCK_TICKS,
  cpuTicks,
  freePort,
  load,
  median,
  RECOMMEND_PATH,
  requireBuiltAgent,
  SAMPLE_MANIFEST,
} from './http-load.mjs';

const main = AGENT_MAIN;
const sample = SAMPLE_MANIFEST;
requireBuiltAgent('workers');

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    workers: { type: 'string', default: '2' },
  },
});
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const many = Number(values.workers);

const logText = (dir) =>
  existsSync(join(dir, 'agent.log')) ? readFileSync(join(dir, 'agent.log'), 'utf8') : '';

/** Resolves once every worker serves: the log says so (polled, with a deadline). */
async function waitUntilServing(dir, workers, exited) {
  let done = false;
  exited.then(() => {
    done = true;
  });
  const ready = workers > 1 ? `Serving with ${workers} workers` : 'Serving HTTP on port';
  for (let i = 0; i < 1000 && !done; i++) {
    if (logText(dir).includes(ready)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`agent with ${workers} workers in ${dir} did not start`);
}

async function startAgent(dir, workers) {
  const manifest = JSON.parse(readFileSync(sample, 'utf8'));
  // No rotation: at bench rates the sample's 50 MB comes every few seconds.
  manifest.telemetry = {
    ...manifest.telemetry,
    file: join(dir, 'telemetry.jsonl'),
    maxSizeBytes: 0,
  };
  writeFileSync(join(dir, 'agent.json'), JSON.stringify(manifest));
  const port = await freePort();
  const proc = spawn(process.execPath, [main, '--workers', String(workers)], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      HOST: '127.0.0.1',
      PORT: String(port),
      EVENTKIT_MANIFEST: join(dir, 'agent.json'),
      EVENTKIT_INSTANCE: 'bench',
      LOG_FILE: join(dir, 'agent.log'),
      LOG_LEVEL: 'INFO',
      RATE_LIMIT_PER_MINUTE: '0',
      OTEL_TRACES_EXPORTER: 'none',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise((resolve) => proc.on('close', resolve));
  await waitUntilServing(dir, workers, exited);
  return { name: `${workers} worker${workers > 1 ? 's' : ''}`, workers, dir, port, proc, exited };
}

/** Telemetry lines in every file of the directory (telemetry.jsonl or telemetry-w<k>.jsonl). */
const telemetryLines = (dir) =>
  readdirSync(dir)
    .filter((name) => /^telemetry(-w\d+)?\.jsonl$/.test(name))
    .reduce(
      (n, name) => n + readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean).length,
      0,
    );

console.log(
  `workers: 1 vs ${many} workers, ${connections} connections, ${rounds} interleaved rounds of ${duration}s (+${warmup}s warm-up), GET ${RECOMMEND_PATH}, telemetry on, ${availableParallelism()} CPUs (load generator included), node ${process.version}\n`,
);
const dirs = await Promise.all(
  [0, 1].map(() => mkdtemp(join(tmpdir(), 'eventkit-workers-bench-'))),
);
const problems = [];
try {
  const servers = [await startAgent(dirs[0], 1), await startAgent(dirs[1], many)];
  if (warmup > 0)
    for (const server of servers) await load(server.port, { seconds: warmup, connections });
  const results = servers.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, server] of servers.entries()) {
      const before = cpuTicks(server.proc.pid);
      const result = await load(server.port, { seconds: duration, connections });
      result.cpuUsPerRequest =
        ((cpuTicks(server.proc.pid) - before) * 1e6) / CLOCK_TICKS / result.requests.total;
      results[i].push(result);
    }
  }
  const rows = [];
  for (const [i, server] of servers.entries()) {
    const runs = results[i];
    server.proc.kill('SIGTERM');
    const row = {
      name: server.name,
      rps: median(runs.map((r) => r.requests.average)),
      p50: median(runs.map((r) => r.latency.p50)),
      p99: median(runs.map((r) => r.latency.p99)),
      rounds: runs.map((r) => Math.round(r.requests.average)),
      cpuUs: median(runs.map((r) => r.cpuUsPerRequest)),
      non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
      errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
      exitCode: await server.exited,
    };
    const served = logText(server.dir)
      .split('\n')
      .filter((line) => / Request completed: recommend 200 /.test(line)).length;
    row.served = served;
    row.lines = telemetryLines(server.dir);
    console.log(
      `${row.name.padEnd(10)} ${row.rps.toFixed(0).padStart(7)} req/s  p50 ${String(row.p50).padStart(3)} ms  p99 ${String(row.p99).padStart(3)} ms  server CPU ${row.cpuUs.toFixed(1)} µs/req  non-2xx ${row.non2xx}  errors ${row.errors}  telemetry ${row.lines} lines for ${served} served  (rounds: ${row.rounds.join(', ')} req/s)`,
    );
    if (row.non2xx > 0) problems.push(`${row.name}: ${row.non2xx} non-2xx answers`);
    if (row.errors > 0) problems.push(`${row.name}: ${row.errors} socket errors or timeouts`);
    if (row.exitCode !== 0) problems.push(`${row.name}: exited with ${row.exitCode}`);
    if (row.lines !== served)
      problems.push(`${row.name}: ${row.lines} telemetry lines for ${served} requests served`);
    rows.push(row);
  }
  const [one, several] = rows;
  console.log(
    `\nratio     ${several.name} / ${one.name} = ${(several.rps / one.rps).toFixed(3)} (req/s)`,
  );
  if (problems.length > 0) {
    console.log(`FAILED    ${problems.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('correct   zero non-2xx and errors, exit 0, telemetry lines = requests served');
  }
} finally {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
