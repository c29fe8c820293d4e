#!/usr/bin/env node
// Deterministic telemetry generator for the benchmarks: N lines in the DESIGN.md format
// (~210 bytes each, with trace_id), a realistic action mix and latency distribution, and
// optionally X% malformed lines of several kinds (truncated JSON, wrong types, blank lines,
// invalid UTF-8, garbage, missing fields, negative latency). Same seed, same bytes. With
// --instances N every line also names its writer (`"instance":"web1-w<k>"`, k from 1 to N in
// turn), as a fleet's agents write them; the other bytes stay those of the same seed.
//
//   node bench/generate-telemetry.mjs [--lines 1000000] [--malformed 2] [--seed 42] [--instances N]
//     [--out FILE]
//
// Writes bench/.data/telemetry-<lines>-m<malformed>-s<seed>[-i<N>].jsonl by default (git-ignored) and a
// .meta.json beside it with the expected counts; an existing file with a matching meta is reused.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '.data');
const BASE_TS = 1_732_540_000;

/** mulberry32: small, fast, deterministic. */
function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = [
  // name, cumulative share, median latency (ms), failure probability
  ['recommend', 0.64, 12, 0.012],
  ['explain', 0.88, 8, 0.01],
  ['export', 0.985, 22, 0.03],
  ['unauthorized', 0.992, 0.4, 1],
  ['rate_limited', 0.997, 0.2, 1],
  ['unknown', 1, 0.3, 1],
];
const SOURCES = ['manifest', 'manifest', 'manifest', 'graph', 'external'];
const FORMATS = ['markdown', 'ics'];
const ERRORS = {
  recommend: 'Graph API rate limit, retrying',
  explain: 'session not found',
  export: 'export failed: disk full',
  unauthorized: 'missing or invalid bearer token',
  rate_limited: 'too many requests',
  unknown: 'route not found',
};

function hex(random, length) {
  let out = '';
  for (let i = 0; i < length; i += 8) {
    out += Math.floor(random() * 4294967296)
      .toString(16)
      .padStart(8, '0');
  }
  return out.slice(0, length);
}

function payloadFor(action, random) {
  switch (action) {
    case 'recommend': {
      const top = 1 + Math.floor(random() * 8);
      return `{"interests_count":${1 + Math.floor(random() * 5)},"top":${top},"source":"${SOURCES[Math.floor(random() * SOURCES.length)]}","conflicts":${Math.floor(random() * 3)},"returned":${top}}`;
    }
    case 'explain':
      return `{"title_hash":"${hex(random, 12)}","matched_tags":${Math.floor(random() * 4)},"found":true}`;
    case 'export':
      return `{"format":"${FORMATS[Math.floor(random() * 2)]}","sessions":${1 + Math.floor(random() * 9)},"bytes":${400 + Math.floor(random() * 4000)}}`;
    default:
      return `{"path":"/recommend","method":"GET","status":${action === 'unauthorized' ? 401 : action === 'rate_limited' ? 429 : 404}}`;
  }
}

/** Log-normal around the median with a heavy-ish tail; 3 decimals like the writer's. */
function latencyFor(median, random) {
  const u = Math.max(random(), 1e-12);
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  const tail = random() < 0.01 ? 4 + random() * 10 : 1;
  return Math.round(median * Math.exp(0.45 * normal) * tail * 1000) / 1000;
}

function validLine(i, random, instances) {
  const pick = random();
  const [action, , median, failP] = ACTIONS.find(([, cumulative]) => pick < cumulative);
  const success = random() >= failP;
  const ts = Math.round((BASE_TS + i * 0.05 + random() * 0.04) * 1000) / 1000;
  const error = success ? 'null' : `"${ERRORS[action]}"`;
  const instance = instances > 0 ? `,"instance":"web1-w${(i % instances) + 1}"` : '';
  return `{"ts":${ts},"action":"${action}","success":${success},"latency_ms":${latencyFor(median, random)},"payload":${payloadFor(action, random)},"error":${error},"trace_id":"${hex(random, 32)}"${instance}}\n`;
}

const MALFORMED_KINDS = [
  (line) => `${line.slice(0, Math.floor(line.length / 2))}\n`, // truncated JSON
  (line) => line.replace(/"latency_ms":([\d.]+)/, '"latency_ms":"$1"'), // wrong type
  () => '\n', // blank
  (line) => line.replace('"trace_id":"', '"trace_id":"\xff'), // invalid UTF-8 (latin1 0xff byte)
  () => 'Traceback (most recent call last): not a JSON line\n', // garbage
  (line) => line.replace(/"success":(true|false),/, ''), // missing field
  (line) => line.replace(/"latency_ms":([\d.]+)/, '"latency_ms":-1$1'), // negative latency
];

/**
 * Writes `lines` lines to `file`; returns the expected counts.
 * @param {{ lines: number, malformedPercent?: number, seed?: number, instances?: number, file: string }} options
 */
export function generateTelemetry({ lines, malformedPercent = 0, seed = 42, instances = 0, file }) {
  const random = createRandom(seed);
  const malformedRandom = createRandom(seed ^ 0x5bd1e995);
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  let valid = 0;
  let malformed = 0;
  let bytes = 0;
  let batch = [];
  let batchLength = 0;
  const flush = () => {
    // latin1 keeps the 0xff byte of the invalid-UTF-8 lines; every other character is ASCII.
    const buffer = Buffer.from(batch.join(''), 'latin1');
    writeSync(fd, buffer);
    bytes += buffer.length;
    batch = [];
    batchLength = 0;
  };
  for (let i = 0; i < lines; i++) {
    let line = validLine(i, random, instances);
    if (malformedPercent > 0 && malformedRandom() * 100 < malformedPercent) {
      const kind = MALFORMED_KINDS[Math.floor(malformedRandom() * MALFORMED_KINDS.length)];
      line = kind(line);
      malformed++;
    } else {
      valid++;
    }
    batch.push(line);
    batchLength += line.length;
    if (batchLength > 4 * 1024 * 1024) flush();
  }
  flush();
  closeSync(fd);
  return { lines, valid, malformed, bytes, seed, malformedPercent, instances };
}

/** Path of the cached data file for these parameters, generating it when missing. */
export function ensureTelemetryFile({
  lines,
  malformedPercent = 0,
  seed = 42,
  instances = 0,
  file,
}) {
  const suffix = instances > 0 ? `-i${instances}` : '';
  const target =
    file ?? join(DATA_DIR, `telemetry-${lines}-m${malformedPercent}-s${seed}${suffix}.jsonl`);
  const metaFile = `${target}.meta.json`;
  if (existsSync(target) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (
      meta.lines === lines &&
      meta.malformedPercent === malformedPercent &&
      meta.seed === seed &&
      (meta.instances ?? 0) === instances
    ) {
      return { file: target, ...meta };
    }
  }
  const meta = generateTelemetry({ lines, malformedPercent, seed, instances, file: target });
  writeFileSync(metaFile, `${JSON.stringify(meta)}\n`);
  return { file: target, ...meta };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '1000000' },
      malformed: { type: 'string', default: '0' },
      seed: { type: 'string', default: '42' },
      instances: { type: 'string', default: '0' },
      out: { type: 'string' },
    },
  });
  const started = performance.now();
  const result = ensureTelemetryFile({
    lines: Number(values.lines),
    malformedPercent: Number(values.malformed),
    seed: Number(values.seed),
    instances: Number(values.instances),
    file: values.out,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${result.file}: ${result.lines.toLocaleString('en-US')} lines (${result.malformed.toLocaleString('en-US')} malformed), ${(result.bytes / 1e6).toFixed(0)} MB, ${seconds}s`,
  );
}
