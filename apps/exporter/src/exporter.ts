import { dirname } from 'node:path';
import { createFileFollower, diskFreeRatio, type FileFollower } from '@eventkit/core/telemetry';
import { type OpenMetricsContentType, Registry } from 'prom-client';
import {
  type Checkpoint,
  type FileEntry,
  type FileStart,
  readCheckpoint,
  takeOverStateFile,
  writeCheckpoint,
} from './checkpoint.js';
import { createFileSet, type FileSource, fileSourceOf } from './file-set.js';
import { exists, fileLabels, gone, lagBytes, startOf } from './followed-file.js';
import { createHealthProbe } from './health-probe.js';
import { registerExporterMetrics } from './metrics.js';
import { createTelemetryTally } from './tally.js';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface ExporterOptions {
  /**
   * What to follow: files, globs (`/var/lib/eventkit/telemetry*.jsonl`, expanded again at every
   * poll) or sources. A string with glob syntax is a glob.
   */
  files: ReadonlyArray<string | FileSource>;
  /** Where positions and counters are checkpointed; none = count from scratch at every start. */
  stateFile?: string;
  /**
   * While `stateFile` does not exist: the older state file of one file found at start, taken over
   * when exactly one of those exists (a single `--file` replaced by a pattern keeps its counts).
   */
  formerStateFile?: (file: string) => string;
  /** Without a checkpoint, for the files there at start; a file that appears later is read whole. */
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
    /** The files followed now. */
    files: string[];
    started: boolean;
    /** False until the first poll since start has read what the checkpoint did not cover. */
    caughtUp: boolean;
    lines: number;
    lastCheckpoint: string | undefined;
  };
}

interface Followed {
  follower: FileFollower;
  /** Where the follower began, kept in the checkpoint until it has a position. */
  start: FileStart;
}

/**
 * Wires core's file followers (one per file), the tally, the metrics and the checkpoint together.
 * Every file feeds the same counters: one exporter, one set of series. `createExporter` restores
 * the last checkpoint, so Prometheus sees the counters continue across restarts: every line is
 * counted exactly once, through rotations and kills of any of the files.
 */
export async function createExporter({
  files,
  stateFile,
  formerStateFile,
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
  const sources = await Promise.all(
    files.map((file) => (typeof file === 'string' ? fileSourceOf(file) : file)),
  );
  const fileSet = createFileSet({ sources, ignore: stateFile ? [stateFile] : [] });
  let restored = stateFile ? await readCheckpoint(stateFile) : undefined;
  if (!restored && stateFile && formerStateFile) {
    restored = await takeOverStateFile(await fileSet.expand([]), formerStateFile, stateFile, warn);
  }
  const tally = createTelemetryTally(restored?.tally);
  const followed = new Map<string, Followed>();
  /** Files found after the first discovery appeared since: all of their lines are new. */
  let discovered = false;

  async function follow(path: string, entry?: FileEntry): Promise<void> {
    const start: FileStart =
      entry && 'start' in entry
        ? entry.start
        : !restored && !discovered
          ? { from, backfill }
          : { from: 'start', backfill: true };
    // Pinned now, so that a checkpoint taken before this file's turn in a long first poll holds
    // where it starts (a start with backfill reads every archive anyway; `end` is never pinned).
    const resume =
      entry && 'position' in entry
        ? entry.position
        : start.from === 'start' && !start.backfill
          ? await startOf(path)
          : undefined;
    const follower = createFileFollower({
      file: path,
      onLine: tally.countLine,
      onDroppedLine: () => tally.countDroppedLine(),
      onFileChange: () => tally.countRotation(),
      resume,
      from: start.from,
      backfill: start.backfill,
      chunkBytes,
      maxLineBytes,
      warn,
    });
    followed.set(path, { follower, start });
  }

  /** Follows the files the sources name now that are not followed yet; returns those named. */
  async function discover(): Promise<Set<string>> {
    const named = new Set(await fileSet.expand(followed.keys()));
    if (stopped) return named;
    if (!discovered) {
      // A checkpointed file no longer named (rotated away for good, say) still has archives to finish.
      for (const [path, entry] of Object.entries(restored?.files ?? {})) {
        if (named.has(path)) await follow(path, entry);
        else if (await exists(path)) {
          warn(`${path}: in the state file but no longer named by --file; no longer followed`);
        } else if (!(await gone(path))) await follow(path, entry);
      }
    }
    for (const path of named) if (!followed.has(path)) await follow(path);
    discovered = true;
    return named;
  }

  const probeHealth = healthUrl
    ? createHealthProbe({ url: healthUrl, timeoutMs: healthTimeoutMs })
    : undefined;
  async function minDiskFreeRatio(): Promise<number | undefined> {
    const dirs = [...new Set([...followed.keys()].map((file) => dirname(file)))];
    const ratios = await Promise.all(dirs.map((dir) => diskFreeRatio(dir).catch(() => undefined)));
    const known = ratios.filter((ratio): ratio is number => ratio !== undefined);
    return known.length > 0 ? Math.min(...known) : undefined;
  }
  const filesMetrics = {
    count: () => followed.size,
    async lagBytes(): Promise<Array<[file: string, bytes: number]>> {
      const entries = [...followed];
      const labels = fileLabels(entries.map(([path]) => path));
      const lags = await Promise.all(
        entries.map(([path, { follower }]) => lagBytes(path, follower)),
      );
      return lags.map((bytes, i) => [labels[i] as string, bytes]);
    },
  };
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
      files: filesMetrics,
    });
  }

  let pollTimer: NodeJS.Timeout | undefined;
  let checkpointTimer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let polling: Promise<void> | undefined;
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

  // The files there at start are followed from the start, so that every checkpoint names them all.
  await discover();

  async function pollOnce(): Promise<void> {
    try {
      const named = await discover();
      for (const { follower } of [...followed.values()]) {
        if (stopped) return;
        await follower.poll();
      }
      // Only after its last poll: a file deleted while open is read to its end first.
      for (const path of [...followed.keys()]) {
        if (stopped || named.has(path) || !(await gone(path))) continue;
        await followed.get(path)?.follower.close();
        followed.delete(path);
      }
    } finally {
      caughtUp = true;
    }
  }

  /** Reads what is new in every file; a call while a poll runs joins it. */
  function poll(): Promise<void> {
    polling ??= pollOnce().finally(() => {
      polling = undefined;
    });
    return polling;
  }

  function capture(): Checkpoint {
    // Synchronous: positions and counters describe the same lines.
    const entries: Checkpoint['files'] = {};
    for (const [file, { follower, start }] of followed) {
      const position = follower.position();
      entries[file] = position ? { position } : { start };
    }
    return {
      version: 2,
      savedAt: new Date(now()).toISOString(),
      files: entries,
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
      // Closing the followers first stops a long catch-up between two reads.
      for (const { follower } of followed.values()) await follower.close();
      await polling?.catch(() => {});
      await checkpoint();
    },
    status: () => ({
      files: [...followed.keys()],
      started: [...followed.values()].every(({ follower }) => follower.started),
      caughtUp,
      lines: tally.state.lines,
      lastCheckpoint,
    }),
  };
}
