import path from 'node:path';
import { builtBin } from '../bins.js';
import { parseExposition } from '../census.js';
import {
  type Child,
  createProcessGroup,
  freePort,
  httpGet,
  stopChild,
  waitFor,
} from '../processes.js';

export interface ExporterProcess {
  url: string;
  child: Child;
  /** One scrape of /metrics, parsed. */
  scrape(): Promise<Map<string, number>>;
  /** The raw exposition text. */
  text(): Promise<string>;
  /** Waits until `event_agent_exporter_lines_total` reaches `lines`. */
  waitForLines(lines: number, timeoutMs?: number): Promise<Map<string, number>>;
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/** The built exporter following `file` on a free 127.0.0.1 port. */
export async function startExporter(
  file: string,
  { stateFile, args = [], port }: { stateFile?: string; args?: string[]; port?: number } = {},
): Promise<ExporterProcess> {
  const chosen = port ?? (await freePort());
  const group = createProcessGroup();
  const child = group.start({
    name: 'exporter',
    command: process.execPath,
    args: [
      builtBin('@eventkit/exporter'),
      '--file',
      file,
      '--port',
      String(chosen),
      '--poll-interval',
      '50',
      ...(stateFile ? ['--state-file', stateFile] : ['--no-state-file']),
      ...args,
    ],
    cwd: path.dirname(file),
  });
  const url = `http://127.0.0.1:${chosen}`;
  const text = async () => (await httpGet(`${url}/metrics`, { timeoutMs: 5000 })).text;
  await waitFor('exporter serving /metrics', async () => ((await text()) ? true : undefined), {
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
    async stop(signal = 'SIGTERM') {
      const code = await stopChild(child, signal);
      group.killAll();
      return code;
    },
  };
}
