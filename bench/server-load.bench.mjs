#!/usr/bin/env node
// Load benchmark of the agent server, in ONE run on 127.0.0.1 with autocannon:
//   1. bare      — a bare Hono handler returning a fixed small JSON (the ceiling of the stack)
//   2. shape     — the same stack answering exactly what the agent answers (its /recommend body
//                  and headers, captured at start, set with c.header() by as many pass-through
//                  middlewares as the agent has layers) and doing nothing else: the ceiling for
//                  the agent's answer
//   3. tel-off   — the BUILT agent, GET /recommend on the bundled sample event, telemetry off
//   4. tel-on    — the same with telemetry on (core's writer, one JSON line per request)
// Each server runs in its own process (the application log goes to a temp LOG_FILE at INFO, two
// lines per request, as in production). All three are started, warmed up, then measured in
// interleaved rounds (bare, tel-off, tel-on, bare, …) of a fixed duration at 64 connections, so
// background load on a shared machine hits all three alike; the median round is reported.
// Prints req/s, p50, p99, non-2xx, the ratios against the targets, and checks that the telemetry
// line count equals the requests the server served (its "Request completed" log lines).
//
//   pnpm exec turbo run build --filter=@eventkit/agent-server...
//   node bench/server-load.bench.mjs [--duration 4] [--rounds 5] [--warmup 2] [--connections 64] [--rotate] [--strict]
//
// --strict exits 1 when a target is missed (correctness failures always exit 1). --rotate keeps
// the sample's 50 MB telemetry rotation (rotate + gzip) on during the measurement.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import {
  AGENT_DIR,
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
const serverDir = AGENT_DIR;
requireBuiltAgent('server-load');

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    strict: { type: 'boolean', default: false },
    rotate: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const PATH = RECOMMEND_PATH;

// The same stack as the agent (hono + @hono/node-server), with nothing in the handler.
const BARE = `
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
const app = new Hono();
app.get('/recommend', (c) => c.json({ sessions: [], scoring: [], conflicts: 0, source: 'bare' }));
app.get('/livez', (c) => c.json({ status: 'ok' }));
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

// The agent's answer without the agent: its layers (CORS, draining, observe, limits) as
// pass-through middlewares setting its headers with c.header(), as the agent does, then its body.
const SHAPE = `
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
const body = readFileSync(process.env.SHAPE_BODY, 'utf8');
const { 'content-type': contentType, ...headers } = JSON.parse(process.env.SHAPE_HEADERS);
const cors = Object.entries(headers).filter(([name]) => name.startsWith('access-control-'));
const trace = Object.entries(headers).filter(([name]) => !name.startsWith('access-control-'));
const app = new Hono();
app.use(async (c, next) => {
  for (const [name, value] of cors) c.header(name, value);
  return next();
});
app.use(async (c, next) => next());
app.use(async (c, next) => {
  for (const [name, value] of trace) c.header(name, value);
  await next();
});
app.use(async (c, next) => next());
app.get('/recommend', (c) => c.body(body, 200, { 'Content-Type': contentType }));
app.get('/livez', (c) => c.json({ status: 'ok' }));
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** The agent's /recommend answer: its body (into a file) and the headers a handler sets. */
async function captureAnswer(port, dir) {
  const response = await fetch(`http://127.0.0.1:${port}${PATH}`);
  const bodyFile = join(dir, 'shape-body.json');
  writeFileSync(bodyFile, Buffer.from(await response.arrayBuffer()));
  const headers = {};
  for (const [name, value] of response.headers) {
    if (!['content-length', 'date', 'connection', 'keep-alive'].includes(name))
      headers[name] = value;
  }
  return { bodyFile, headers };
}

async function waitUntilListening(port, exited) {
  let done = false;
  exited.then(() => {
    done = true;
  });
  for (let i = 0; i < 500 && !done; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/livez`);
      return port;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`server on port ${port} did not start`);
}

async function startProcess(args, { cwd, env }) {
  const port = await freePort();
  // stderr (the console log stream) to /dev/null: the load generator should not also read it.
  const proc = spawn(process.execPath, args, {
    cwd,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise((resolve) => proc.on('close', resolve));
  return { proc, port: waitUntilListening(port, exited), exited };
}

async function startAgent(dir, telemetryEnabled) {
  const manifest = JSON.parse(readFileSync(sample, 'utf8'));
  manifest.telemetry = {
    ...manifest.telemetry,
    enabled: telemetryEnabled,
    file: join(dir, 'telemetry.jsonl'),
    // At bench rates the sample's 50 MB rotation (and its background gzip) comes every ~20 s
    // instead of every few hours; --rotate keeps it in the measurement.
    ...(values.rotate ? {} : { maxSizeBytes: 0 }),
  };
  writeFileSync(join(dir, 'agent.json'), JSON.stringify(manifest));
  return startProcess([main], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      HOST: '127.0.0.1',
      EVENTKIT_MANIFEST: join(dir, 'agent.json'),
      LOG_FILE: join(dir, 'agent.log'),
      LOG_LEVEL: 'INFO',
      RATE_LIMIT_PER_MINUTE: '0',
      OTEL_TRACES_EXPORTER: 'none',
    },
  });
}

async function stop(started) {
  started.proc.kill('SIGTERM');
  return started.exited;
}

/** Interleaved rounds over all servers; per server the median req/s, p50 and p99 of the rounds. */
async function measureAll(servers) {
  const ports = await Promise.all(servers.map((s) => s.started.port));
  if (warmup > 0) for (const port of ports) await load(port, { seconds: warmup, connections });
  const results = servers.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, port] of ports.entries()) {
      const pid = servers[i].started.proc.pid;
      const before = cpuTicks(pid);
      const result = await load(port, { seconds: duration, connections });
      const ticks = cpuTicks(pid) - before;
      result.cpuUsPerRequest = (ticks * 1e6) / CLOCK_TICKS / result.requests.total;
      results[i].push(result);
    }
  }
  const rows = [];
  for (const [i, server] of servers.entries()) {
    const runs = results[i];
    const row = {
      name: server.name,
      rps: median(runs.map((r) => r.requests.average)),
      p50: median(runs.map((r) => r.latency.p50)),
      p99: median(runs.map((r) => r.latency.p99)),
      rounds: runs.map((r) => Math.round(r.requests.average)),
      cpuUs: median(runs.map((r) => r.cpuUsPerRequest)),
      total: runs.reduce((n, r) => n + r.requests.total, 0),
      non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
      errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
      exitCode: await stop(server.started),
    };
    console.log(
      `${row.name.padEnd(8)} ${row.rps.toFixed(0).padStart(7)} req/s  p50 ${String(row.p50).padStart(3)} ms  p99 ${String(row.p99).padStart(3)} ms  non-2xx ${row.non2xx}  errors ${row.errors}  server CPU ${row.cpuUs.toFixed(1)} µs/req  (rounds: ${row.rounds.join(', ')} req/s)`,
    );
    rows.push(row);
  }
  return rows;
}

const linesOf = (file) =>
  (file.endsWith('.gz') ? gunzipSync(readFileSync(file)) : readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter(Boolean).length;
/** Lines of a telemetry file and its rotated archives (the writer rotates at maxSizeBytes). */
const countLines = (file) =>
  readdirSync(dirname(file))
    .filter((name) => name === basename(file) || name.startsWith(`${basename(file)}.`))
    .reduce((n, name) => n + linesOf(join(dirname(file), name)), 0);
const countMatching = (file, pattern) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => pattern.test(l)).length
    : 0;

console.log(
  `server-load: ${connections} connections, ${rounds} interleaved rounds of ${duration}s per server (+${warmup}s warm-up), GET ${PATH}, telemetry rotation ${values.rotate ? 'at 50 MB' : 'off'}, node ${process.version}\n`,
);
const dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'eventkit-server-bench-'))));
const problems = [];
try {
  const off = await startAgent(dirs[0], false);
  const answer = await captureAnswer(await off.port, dirs[0]);
  const [bare, shape, offRow, on] = await measureAll([
    {
      name: 'bare',
      started: await startProcess(['--input-type=module', '-e', BARE], {
        cwd: serverDir,
        env: { PATH: process.env.PATH },
      }),
    },
    {
      name: 'shape',
      started: await startProcess(['--input-type=module', '-e', SHAPE], {
        cwd: serverDir,
        env: {
          PATH: process.env.PATH,
          SHAPE_BODY: answer.bodyFile,
          SHAPE_HEADERS: JSON.stringify(answer.headers),
        },
      }),
    },
    { name: 'tel-off', started: off },
    { name: 'tel-on', started: await startAgent(dirs[1], true) },
  ]);

  const served = countMatching(join(dirs[1], 'agent.log'), /\] Request completed: recommend 200 /);
  const lines = countLines(join(dirs[1], 'telemetry.jsonl'));
  const offLines = countLines(join(dirs[0], 'telemetry.jsonl'));
  const ratioOnOff = on.rps / offRow.rps;
  const ratioOnBare = on.rps / bare.rps;
  console.log(`
ratios    tel-on / tel-off = ${ratioOnOff.toFixed(3)}  (target >= 0.9)
          tel-on / bare    = ${ratioOnBare.toFixed(3)}  (target >= 0.75)
          shape / bare     = ${(shape.rps / bare.rps).toFixed(3)}  (the agent's answer through the same stack, no work: the most tel-on / bare can be)
p99       tel-on ${on.p99} ms  (target < 25 ms)
CPU/req   tel-off / tel-on = ${(offRow.cpuUs / on.cpuUs).toFixed(3)}, bare / tel-on = ${(bare.cpuUs / on.cpuUs).toFixed(3)}, bare / shape = ${(bare.cpuUs / shape.cpuUs).toFixed(3)}  (the req/s ratios a CPU-bound server would reach)
telemetry tel-on: ${lines} lines (live file + rotated archives) for ${served} requests served (autocannon counted ${on.total} in the measured rounds, plus warm-up); tel-off: ${offLines} lines
`);
  for (const row of [bare, shape, offRow, on]) {
    if (row.non2xx > 0) problems.push(`${row.name}: ${row.non2xx} non-2xx answers`);
    if (row.exitCode !== 0) problems.push(`${row.name}: server exited with ${row.exitCode}`);
  }
  if (lines !== served) problems.push(`telemetry has ${lines} lines for ${served} requests served`);
  if (offLines !== 0) problems.push(`telemetry off still wrote ${offLines} lines`);
  const missed = [
    ratioOnOff < 0.9 && 'tel-on / tel-off < 0.9',
    ratioOnBare < 0.75 && 'tel-on / bare < 0.75',
    on.p99 >= 25 && 'p99 >= 25 ms',
  ].filter(Boolean);
  console.log(missed.length === 0 ? 'targets   all met' : `targets   missed: ${missed.join(', ')}`);
  if (problems.length > 0) console.log(`FAILED    ${problems.join('; ')}`);
  else console.log('correct   zero non-2xx, telemetry lines = requests served');
  if (problems.length > 0 || (values.strict && missed.length > 0)) process.exitCode = 1;
} finally {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
