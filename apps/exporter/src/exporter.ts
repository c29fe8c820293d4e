import { dirname, resolve } from 'node:path';
import { createFileFollower, diskFreeRatio, type FileFollower } from '@eventkit/core/telemetry';
import { type OpenMetricsContentType, Registry } from 'prom-client';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { createHealthProbe } from './health-probe.js';
import { registerExporterMetrics } from './metrics.js';
import { createTelemetryTally } from './tally.js';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface ExporterOptions {
  files: string[];
  /** Where positions and counters are checkpointed; none = count from scratch at every start. */
  stateFile?: string;
  from?: 'start' | 'end';
  backfill?: boolean;
  healthUrl?: string;
  healthTimeoutMs?: number;
  pollIntervalMs?: number;
  checkpointIntervalMs?: number;
  processMetrics?: boolean;
  chunkBytes?: number;
  /** At most 1 MiB, core's limit for every reader. */
  maxLineBytes?: number;
  warn?: (message: string) => void;
  now?: () => number;
}

/** One rendering of every metric, ready to serve or print. */
export interface Exposition {
  contentType: string;
  text: string;
}

export interface Exporter {
  /** The metrics in Prometheus text format (no exemplars). */
  registry: Registry;
  /** The same metrics in OpenMetrics, with exemplars. */
  openMetricsRegistry: Registry<OpenMetricsContentType>;
  /** Renders every metric, as OpenMetrics with exemplars or as Prometheus text. */
  exposition(format: 'openmetrics' | 'text'): Promise<Exposition>;
  /** Reads what is new in every file once. */
  poll(): Promise<void>;
  /** Writes the state file now (no-op without one). */
  checkpoint(): Promise<void>;
  /** Polls and checkpoints on timers until `stop()`. */
  run(): void;
  /** Stops the timers, finishes the current poll, writes a last checkpoint. */
  stop(): Promise<void>;
  /** Lines counted so far (for the exporter's own /health). */
  status(): {
    files: string[];
    started: boolean;
    /** False until the first poll since start has read what the checkpoint did not cover. */
    caughtUp: boolean;
    lines: number;
    lastCheckpoint: string | undefined;
  };
}

/**
 * Wires core's file followers, the tally, the metrics and the checkpoint together.
 * `createExporter` restores the last checkpoint, so Prometheus sees the counters continue across
 * restarts: every line is counted exactly once, through rotations and kills.
 */
export async function createExporter({
  files,
  stateFile,
  from = 'start',
  backfill = false,
  healthUrl,
  healthTimeoutMs = 2000,
  pollIntervalMs = 250,
  checkpointIntervalMs = 5000,
  processMetrics = true,
  chunkBytes,
  maxLineBytes,
  warn = () => {},
  now = Date.now,
}: ExporterOptions): Promise<Exporter> {
  const paths = files.map((file) => resolve(file));
  const restored = stateFile ? await readCheckpoint(stateFile) : undefined;
  const tally = createTelemetryTally(restored?.tally);
  const followers = new Map<string, FileFollower>(
    paths.map((file) => [
      file,
      createFileFollower({
        file,
        onLine: tally.countLine,
        onDroppedLine: () => tally.countDroppedLine(),
        onFileChange: () => tally.countRotation(),
        resume: restored?.files[file],
        from,
        backfill,
        chunkBytes,
        maxLineBytes,
        warn,
      }),
    ]),
  );
  const dirs = [...new Set(paths.map((file) => dirname(file)))];
  const probeHealth = healthUrl
    ? createHealthProbe({ url: healthUrl, timeoutMs: healthTimeoutMs })
    : undefined;
  async function minDiskFreeRatio(): Promise<number | undefined> {
    const ratios = await Promise.all(dirs.map((dir) => diskFreeRatio(dir).catch(() => undefined)));
    const known = ratios.filter((ratio): ratio is number => ratio !== undefined);
    return known.length > 0 ? Math.min(...known) : undefined;
  }
  // Two registries over the same tally: prom-client fixes the format per registry, and an
  // OpenMetrics registry renames the counters it renders, so one registry cannot serve both.
  const registry = new Registry();
  const openMetricsRegistry = new Registry<OpenMetricsContentType>();
  openMetricsRegistry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const target of [registry, openMetricsRegistry]) {
    registerExporterMetrics({
      registry: target,
      tally,
      processMetrics,
      now,
      probeHealth,
      diskFreeRatio: minDiskFreeRatio,
    });
  }

  let pollTimer: NodeJS.Timeout | undefined;
  let checkpointTimer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let lastWarning: string | undefined;
  /** A failing file or disk would repeat the same warning every poll: say it once until it changes. */
  const warnOnce = (message: string) => {
    if (message !== lastWarning) warn(message);
    lastWarning = message;
  };
  let lastCheckpoint: string | undefined;
  let stopped = false;
  // Until the first poll has read what was written since the checkpoint, the restored counters
  // can be older than what Prometheus scraped before a SIGKILL: serving them would look like a reset.
  let caughtUp = false;

  async function poll(): Promise<void> {
    try {
      for (const follower of followers.values()) if (!stopped) await follower.poll();
    } finally {
      caughtUp = true;
    }
  }

  function capture(): Checkpoint {
    // Synchronous: positions and counters describe the same lines.
    const positions: Checkpoint['files'] = {};
    for (const [file, follower] of followers) {
      const position = follower.position();
      if (position) positions[file] = position;
    }
    return {
      version: 1,
      savedAt: new Date(now()).toISOString(),
      files: positions,
      tally: tally.snapshot(),
    };
  }

  /** Checkpoints run one after another; each captures the state when its turn comes. */
  function checkpoint(): Promise<void> {
    if (!stateFile) return Promise.resolve();
    const file = stateFile;
    writing = writing.then(async () => {
      const snapshot = capture();
      try {
        await writeCheckpoint(file, snapshot);
        lastCheckpoint = snapshot.savedAt;
      } catch (error) {
        warnOnce(`${file}: cannot write the state file: ${messageOf(error)}`);
      }
    });
    return writing;
  }

  function schedulePoll(delayMs = pollIntervalMs): void {
    pollTimer = setTimeout(() => {
      poll()
        .catch((error: unknown) => warnOnce(`cannot read telemetry: ${messageOf(error)}`))
        .finally(() => {
          if (!stopped) schedulePoll();
        });
    }, delayMs);
  }

  return {
    registry,
    openMetricsRegistry,
    async exposition(format) {
      const chosen = format === 'openmetrics' ? openMetricsRegistry : registry;
      return { contentType: chosen.contentType, text: await chosen.metrics() };
    },
    poll,
    checkpoint,
    run() {
      schedulePoll(0);
      checkpointTimer = setInterval(() => void checkpoint(), checkpointIntervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(pollTimer);
      clearInterval(checkpointTimer);
      for (const follower of followers.values()) await follower.close();
      await checkpoint();
    },
    status: () => ({
      files: paths,
      started: [...followers.values()].every((follower) => follower.started),
      caughtUp,
      lines: tally.state.lines,
      lastCheckpoint,
    }),
  };
}
