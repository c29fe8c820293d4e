import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EventKitError, instanceTelemetryFiles } from '@eventkit/core/telemetry';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createExporter } from './exporter.js';
import { type FileSource, fileSourceOf, matchPattern, patternBase } from './file-set.js';
import { createMetricsServer } from './server.js';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return value;
  };
}

function url(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return raw;
  } catch {}
  throw new InvalidArgumentError('expected an http(s) URL such as http://127.0.0.1:8000/health.');
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The state file of one telemetry file: hidden, beside it. */
const stateFileBeside = (file: string) =>
  join(dirname(file), `.${basename(file)}.exporter-state.json`);

/**
 * Default state file: hidden, beside the first telemetry file; for a pattern, in the directory
 * its wildcards start in, named after the pattern (`.telemetry_.jsonl.exporter-state.json`).
 */
export function defaultStateFile(source: FileSource): string {
  if (source.kind === 'file') return stateFileBeside(source.path);
  if (source.kind === 'instances') return stateFileBeside(source.file);
  const base = patternBase(source.pattern);
  const rest = source.pattern.slice(base.length).replace(/^\/+/, '');
  return join(base, `.${rest.replace(/[^\w.-]+/g, '_')}.exporter-state.json`);
}

interface CliOptions {
  file?: string[];
  manifest?: string;
  port: number;
  host: string;
  healthUrl?: string;
  healthTimeout: number;
  stateFile: string | false | undefined;
  from: 'start' | 'end';
  backfill: boolean;
  pollInterval: number;
  checkpointInterval: number;
  maxLineBytes: number;
  once: boolean;
  openmetrics: boolean;
}

/** Options that only make sense for the server; `--once` refuses them rather than ignore them. */
const SERVER_ONLY = ['port', 'host', 'stateFile', 'from', 'pollInterval', 'checkpointInterval'];

export function createCli(io: CliIo): Command {
  const program = new Command('event-agent-exporter')
    .description(
      'Tail Event Kit telemetry (JSONL) through rotations and restarts, and serve Prometheus metrics on GET /metrics.',
    )
    .addOption(
      new Option(
        '-f, --file <path>',
        "telemetry file, or quoted glob such as '/var/lib/eventkit/telemetry*.jsonl' naming live files (files that appear later are followed too, each with its archives); repeat for several (default: agent.json's telemetry.file and every worker's file beside it, telemetry-w<k>.jsonl, resolved against the working directory)",
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--manifest <path>',
        'agent.json to read the default --file from (default: the bundled sample)',
      ).env('EVENTKIT_MANIFEST'),
    )
    .option(
      '-p, --port <port>',
      'port to serve /metrics and /health on',
      integer('--port', 0, 65535),
      9090,
    )
    .option(
      '--host <address>',
      'address to listen on (0.0.0.0 to let a remote Prometheus scrape)',
      '127.0.0.1',
    )
    .option(
      '--health-url <url>',
      "agent's base URL (its /health) or a health URL with a path (used as given), probed at each scrape into event_agent_health_up; omitted = no health metric",
      url,
    )
    .option(
      '--health-timeout <ms>',
      'timeout of one health probe',
      integer('--health-timeout', 1, 60_000),
      2000,
    )
    .option(
      '--state-file <path>',
      'checkpoint of read positions (one entry per file) and counter values, so a restart neither loses nor double counts (default: .<file>.exporter-state.json beside the first file; for a glob, in its directory, named after it)',
    )
    .option(
      '--no-state-file',
      'keep no checkpoint: counters start at 0 and --from applies at every start',
    )
    .addOption(
      new Option(
        '--from <where>',
        'with no checkpoint: read the live file from its start, or only new lines',
      )
        .choices(['start', 'end'])
        .default('start'),
    )
    .option(
      '--backfill',
      'with no checkpoint: first read the rotated archives (.gz included), oldest first',
      false,
    )
    .option(
      '--poll-interval <ms>',
      'how often to look for new lines and rotations',
      integer('--poll-interval', 10, 60_000),
      250,
    )
    .option(
      '--checkpoint-interval <ms>',
      'how often to write the state file (also written on SIGTERM/SIGINT)',
      integer('--checkpoint-interval', 50, 3_600_000),
      5000,
    )
    .option(
      '--max-line-bytes <n>',
      'longer lines are dropped and counted as malformed (at most 1 MiB, the limit of every reader)',
      integer('--max-line-bytes', 1024, 1024 * 1024),
      1024 * 1024,
    )
    .addOption(
      new Option(
        '--once',
        'read the files (archives included, oldest first), print the metrics to stdout and exit: no server, no state file',
      )
        .default(false)
        .conflicts(SERVER_ONLY),
    )
    .option(
      '--openmetrics',
      'with --once: print OpenMetrics, exemplars included, instead of the Prometheus text format',
      false,
    )
    .addHelpText(
      'after',
      `
Examples:
  event-agent-exporter --file /var/lib/event-agent/telemetry.jsonl --health-url http://127.0.0.1:8000/health
  event-agent-exporter --file '/var/lib/event-agent/telemetry*.jsonl'
  event-agent-exporter --manifest /etc/event-agent/agent.json --host 0.0.0.0 --port 9090
  event-agent-exporter --once --file telemetry.jsonl | promtool check metrics
  curl -s http://127.0.0.1:9090/metrics | grep event_agent_requests_total`,
    )
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run event-agent-exporter --help for usage)')
    .exitOverride()
    .action(async (options: CliOptions) => {
      if (options.once) await printOnce(options, io);
      else if (options.openmetrics) {
        program.error(
          'error: --openmetrics goes with --once (a server answers what a scraper asks for)',
          {
            exitCode: 2,
          },
        );
      } else await serve(options, io);
    });
  return program;
}

async function resolveSources(options: CliOptions): Promise<FileSource[]> {
  if (options.file && options.file.length > 0) {
    return Promise.all(options.file.map((file) => fileSourceOf(file)));
  }
  // Only core's manifest subpath, and only when needed: core's whole index would cost ~9 MB of RSS.
  const { loadManifest, SAMPLE_MANIFEST_PATH, manifestSettings } = await import(
    '@eventkit/core/manifest'
  );
  const loaded = await loadManifest(options.manifest ?? SAMPLE_MANIFEST_PATH);
  const { file } = manifestSettings(loaded).telemetry;
  return [{ kind: 'instances', file }];
}

/** The sources that name no file right now: a missing file, a pattern that matches nothing. */
async function missingSources(sources: readonly FileSource[]): Promise<FileSource[]> {
  const missing: FileSource[] = [];
  for (const source of sources) {
    const found =
      source.kind === 'pattern'
        ? await matchPattern(source.pattern)
        : source.kind === 'file'
          ? [source.path]
          : await instanceTelemetryFiles(source.file);
    if (!found.some((path) => existsSync(path))) missing.push(source);
  }
  return missing;
}

const describeSource = (source: FileSource) =>
  source.kind === 'file'
    ? source.path
    : source.kind === 'pattern'
      ? source.pattern
      : `${source.file} (and each worker's file beside it)`;

/** `--once`: what a fresh exporter would serve after reading every file, printed once. */
async function printOnce(options: CliOptions, io: CliIo): Promise<void> {
  const sources = await resolveSources(options);
  const [missing] = await missingSources(sources);
  if (missing) {
    throw new EventKitError(
      'UNREADABLE_INPUT',
      missing.kind === 'pattern'
        ? `${missing.pattern}: no file matches this pattern; check the path (quote globs so the shell does not expand them)`
        : `${missing.kind === 'file' ? missing.path : missing.file}: no such telemetry file; pass the agent's telemetry file with --file`,
    );
  }
  const exporter = await createExporter({
    files: sources,
    backfill: true,
    healthUrl: options.healthUrl,
    healthTimeoutMs: options.healthTimeout,
    maxLineBytes: options.maxLineBytes,
    warn: (message) => io.stderr(`event-agent-exporter: warning: ${message}\n`),
  });
  try {
    await exporter.poll();
    const { text } = await exporter.exposition(options.openmetrics ? 'openmetrics' : 'text');
    io.stdout(text);
  } finally {
    await exporter.stop();
  }
}

async function serve(options: CliOptions, io: CliIo): Promise<void> {
  const sources = await resolveSources(options);
  const first = sources[0] as FileSource;
  const stateFile =
    options.stateFile === false ? undefined : resolve(options.stateFile ?? defaultStateFile(first));
  const warn = (message: string) => io.stderr(`event-agent-exporter: warning: ${message}\n`);
  const exporter = await createExporter({
    files: sources,
    stateFile,
    // Replacing a single --file with a pattern keeps that file's counts.
    formerStateFile:
      options.stateFile === undefined && first.kind === 'pattern' ? stateFileBeside : undefined,
    from: options.from,
    backfill: options.backfill,
    healthUrl: options.healthUrl,
    healthTimeoutMs: options.healthTimeout,
    pollIntervalMs: options.pollInterval,
    checkpointIntervalMs: options.checkpointInterval,
    maxLineBytes: options.maxLineBytes,
    warn,
  });
  const server = createMetricsServer({ exporter });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'the address is already in use' : error.message;
      reject(
        new EventKitError(
          'INVALID_CONFIG',
          `cannot listen on ${options.host}:${options.port}: ${reason}; choose another --port or --host`,
          { cause: error },
        ),
      );
    });
    server.listen(options.port, options.host, resolveListen);
  });
  exporter.run();
  for (const missing of await missingSources(sources)) {
    warn(
      missing.kind === 'pattern'
        ? `${missing.pattern}: no file matches yet; files are followed as they appear`
        : `${missing.kind === 'file' ? missing.path : missing.file} does not exist yet; counting starts when the agent creates it`,
    );
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  io.stderr(
    `event-agent-exporter: following ${sources.map(describeSource).join(', ')}; metrics on http://${options.host}:${port}/metrics` +
      (stateFile ? `; state in ${stateFile}` : '') +
      '\n',
  );

  await new Promise<void>((resolveStop) => {
    const shutdown = () => {
      process.off('SIGTERM', shutdown);
      process.off('SIGINT', shutdown);
      process.removeAllListeners('SIGHUP');
      server.close();
      server.closeAllConnections();
      exporter.stop().then(resolveStop, (error: unknown) => {
        warn(`final checkpoint failed: ${String(error)}`);
        resolveStop();
      });
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
    // Node would exit on SIGHUP (a logrotate postrotate aimed at the wrong unit): nothing to reopen.
    process.on('SIGHUP', () => warn('SIGHUP ignored: rotation is followed without signals'));
  });
}
