import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { readTelemetry, summarizeTelemetry } from '@eventkit/core/analysis';

/** Count and failures per action: the unit every layer of the drill is compared in. */
export type ActionCounts = Record<string, { count: number; failures: number }>;

export interface TelemetryCensus {
  files: number;
  lines: number;
  events: number;
  malformed: number;
  firstMalformed: string[];
  byAction: ActionCounts;
  /** The same files through summarizeTelemetry (the CLI's fast path). */
  summary: ActionCounts;
  traceIds: Set<string>;
  /** Lines per `instance` field ('' for lines without one). */
  byInstance: Record<string, number>;
  duplicateTraceIds: number;
  missingTraceIds: number;
  newestTs: number;
}

/** Adds `count` requests (`failures` of them failed) to `action`. */
export function tally(counts: ActionCounts, action: string, count: number, failures: number) {
  const entry = counts[action] ?? { count: 0, failures: 0 };
  entry.count += count;
  entry.failures += failures;
  counts[action] = entry;
}

/** Every telemetry line in `files` (archives first, the live file last), through core's reader. */
export async function telemetryCensus(files: string[]): Promise<TelemetryCensus> {
  const byAction: ActionCounts = {};
  const traceIds = new Set<string>();
  const byInstance: Record<string, number> = {};
  let duplicateTraceIds = 0;
  let missingTraceIds = 0;
  let newestTs = 0;
  const firstMalformed: string[] = [];
  const stream = readTelemetry(files, {
    includeRotated: false,
    onMalformed: (m) => {
      if (firstMalformed.length < 5) firstMalformed.push(`${m.file}:${m.line}: ${m.reason}`);
    },
  });
  for await (const event of stream) {
    tally(byAction, event.action, 1, event.success ? 0 : 1);
    const instance = event.instance ?? '';
    byInstance[instance] = (byInstance[instance] ?? 0) + 1;
    if (event.ts > newestTs) newestTs = event.ts;
    if (!event.trace_id) missingTraceIds++;
    else if (traceIds.has(event.trace_id)) duplicateTraceIds++;
    else traceIds.add(event.trace_id);
  }
  const summarized = await summarizeTelemetry(files, { includeRotated: false });
  const summary: ActionCounts = {};
  for (const [action, value] of Object.entries(summarized.actions)) {
    summary[action] = { count: value.count, failures: value.failures };
  }
  return {
    files: stream.stats.files,
    lines: stream.stats.lines,
    events: stream.stats.events,
    malformed: stream.stats.malformed,
    firstMalformed,
    byAction,
    summary,
    traceIds,
    byInstance,
    duplicateTraceIds,
    missingTraceIds,
    newestTs,
  };
}

export interface LogCensus {
  files: string[];
  lines: number;
  /** Lines that do not start with the seed's `date time,ms - name - LEVEL - ` prefix. */
  malformed: string[];
  /** `[trace] Request started` lines per trace id. */
  started: Map<string, number>;
  /** `[trace] Request completed` / `Request failed` lines per trace id. */
  finished: Map<string, number>;
}

const LOG_LINE =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} - [^ ]+ - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - /;
const REQUEST_LINE = /^\[([0-9a-f]{32})\] Request (started|completed|failed):/;

async function* fileLines(file: string): AsyncGenerator<string> {
  const input = createReadStream(file);
  const lines = createInterface({
    input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  yield* lines;
}

/** Every line of `logFile` and its logrotate archives (`.1`, `.2.gz`, …). */
export async function logCensus(logFile: string): Promise<LogCensus> {
  const dir = path.dirname(logFile);
  const base = path.basename(logFile);
  const files = (await readdir(dir))
    .filter((name) => name === base || /^\.\d+(\.gz)?$/.test(name.slice(base.length)))
    .filter((name) => name.startsWith(base))
    .map((name) => path.join(dir, name));
  const census: LogCensus = {
    files,
    lines: 0,
    malformed: [],
    started: new Map(),
    finished: new Map(),
  };
  for (const file of files) {
    for await (const line of fileLines(file)) {
      if (line === '') continue;
      census.lines++;
      const prefix = LOG_LINE.exec(line);
      if (!prefix) {
        if (census.malformed.length < 5)
          census.malformed.push(`${path.basename(file)}: ${line.slice(0, 160)}`);
        continue;
      }
      const request = REQUEST_LINE.exec(line.slice(prefix[0].length));
      if (!request) continue;
      const [, traceId = '', what] = request;
      const map = what === 'started' ? census.started : census.finished;
      map.set(traceId, (map.get(traceId) ?? 0) + 1);
    }
  }
  return census;
}

/** Parses Prometheus exposition text into `name{labels}` → value (no HELP/TYPE). */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** `metric{action="x"}` samples of one metric, by action. */
export function byActionLabel(
  samples: Map<string, number>,
  metric: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of samples) {
    const match = new RegExp(`^${metric}\\{action="([^"]*)"\\}$`).exec(key);
    if (match?.[1] !== undefined) out[match[1]] = value;
  }
  return out;
}
