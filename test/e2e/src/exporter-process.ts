import path from 'node:path';
import { builtBin } from './bins.js';
import { parseExposition } from './census.js';
import {
  type Child,
  createProcessGroup,
  freePort,
  httpGet,
  type ProcessGroup,
  stopChild,
  waitFor,
} from './processes.js';

export interface ExporterProcess {
  url: string;
  child: Child;
  /** One scrape of /metrics, parsed. */
  scrape(): Promise<Map<string, number>>;
  /** The raw exposition text. */
  text(): Promise<string>;
  /** Waits until `event_agent_exporter_lines_total` reaches `lines`. */
  waitForLines(lines: number, timeoutMs?: number): Promise<Map<string, number>>;
  /** Sends `signal` and waits for the exit code (SIGKILL after a grace period). */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

export interface StartExporterOptions {
  /** Where it checkpoints; without one, `--no-state-file`. */
  stateFile?: string;
  /** How often it polls the file: short by default, so that tests need not wait. */
  pollIntervalMs?: number;
  /** More flags; they win over the ones above. */
  args?: string[];
  /** Default: a free one. */
  port?: number;
  /** The address it listens on (a fleet host's own loopback address); default 127.0.0.1. */
  host?: string;
  /** The group that kills it with everything else (the drill's); default: a group of its own. */
  group?: ProcessGroup;
  /** Also append its output here. */
  logFile?: string;
  /** Its name in messages (a fleet has one per host). */
  name?: string;
}

/** The built exporter following `file` on 127.0.0.1, once it serves /metrics (200, not 503). */
export async function startExporter(
  file: string,
  {
    stateFile,
    pollIntervalMs = 50,
    args = [],
    port,
    host = '127.0.0.1',
    group = createProcessGroup(),
    logFile,
    name = 'exporter',
  }: StartExporterOptions = {},
): Promise<ExporterProcess> {
  const chosen = port ?? (await freePort(host));
  const child = group.start({
    name,
    command: process.execPath,
    args: [
      builtBin('@eventkit/exporter'),
      '--file',
      file,
      '--port',
      String(chosen),
      ...(host === '127.0.0.1' ? [] : ['--host', host]),
      '--poll-interval',
      String(pollIntervalMs),
      ...(stateFile ? ['--state-file', stateFile] : ['--no-state-file']),
      ...args,
    ],
    cwd: path.dirname(file),
    logFile,
  });
  const url = `http://${host}:${chosen}`;
  const text = async () => (await httpGet(`${url}/metrics`, { timeoutMs: 5000 })).text;
  // 503 until its first poll has finished (what Prometheus records as a failed scrape).
  const serving = async () => (await httpGet(`${url}/metrics`, { timeoutMs: 5000 })).status === 200;
  await waitFor('exporter serving /metrics', async () => ((await serving()) ? true : undefined), {
    child,
  });
  const scrape = async () => parseExposition(await text());
  return {
    url,
    child,
    scrape,
    text,
    waitForLines: (lines, timeoutMs = 30_000) =>
      waitFor(
        `exporter read ${lines} lines`,
        async () => {
          const samples = await scrape();
          return samples.get('event_agent_exporter_lines_total') === lines ? samples : undefined;
        },
        { child, timeoutMs, intervalMs: 100 },
      ),
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
  };
}
