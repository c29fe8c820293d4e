import { stat } from 'node:fs/promises';
import {
  createSummaryBuilder,
  readTelemetry,
  type TelemetrySummary,
} from '@eventkit/core/analysis';
import { type HealthProbe, listRotatedFiles } from '@eventkit/core/telemetry';
import { probeAgentHealth } from '../health-probe.js';
import { readRecentEvents } from '../recent-events.js';

export const MINUTES = 60;

export interface DashboardSnapshot {
  at: Date;
  health: HealthProbe;
  /** The live files read (each with its newest archive). */
  files: string[];
  /** Why the files could not be read, when they could not. */
  fileProblem?: string;
  lastHour?: {
    summary: TelemetrySummary;
    /** Requests per minute, oldest first, the last bucket being the current minute. */
    requestsPerMinute: number[];
    /** Mean latency per minute (0 for a minute without requests). */
    latencyPerMinute: number[];
  };
  /** The seed's "Avg Latency (last 100)". */
  avgLatencyLast100?: number;
  malformed: number;
}

export interface SnapshotOptions {
  fetch: typeof fetch;
  url: string;
  /** Live telemetry files, e.g. every instance's on the host; each is read with its newest archive. */
  files: string[];
  now: Date;
  timeoutMs?: number;
  /** The most latencies kept for exact percentiles (EVENTKIT_EXACT_LIMIT; default core's). */
  exactLimit?: number;
}

/**
 * One refresh of the dashboard: the health probe and the last hour of telemetry. Only each live
 * file and its newest archive are read (an hour never spans more unless rotation is very
 * frequent), so a refresh stays cheap whatever the history. Files that do not exist (a worker
 * not started yet) are left out; none at all is `not found`.
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<DashboardSnapshot> {
  const { now } = options;
  const healthPromise = probeAgentHealth(options.fetch, options.url, options.timeoutMs ?? 2000);
  const snapshot: DashboardSnapshot = {
    at: now,
    health: await healthPromise,
    files: options.files,
    malformed: 0,
  };
  const live = (
    await Promise.all(
      options.files.map(async (file) => {
        const exists = await stat(file).then(
          (info) => info.isFile(),
          () => false,
        );
        if (!exists) return [];
        const archives = await listRotatedFiles(file).catch(() => []);
        return [...archives.slice(-1), file];
      }),
    )
  ).filter((history) => history.length > 0);
  if (live.length === 0) {
    snapshot.fileProblem = 'not found';
    return snapshot;
  }
  const files = live.flat();
  const nowSeconds = now.getTime() / 1000;
  const since = nowSeconds - MINUTES * 60;
  const builder = createSummaryBuilder({ exactLimit: options.exactLimit });
  const requests = new Array<number>(MINUTES).fill(0);
  const latencySum = new Array<number>(MINUTES).fill(0);
  try {
    const stream = readTelemetry(files, { since, includeRotated: false });
    for await (const event of stream) {
      builder.add(event);
      const bucket = MINUTES - 1 - Math.floor((nowSeconds - event.ts) / 60);
      if (bucket >= 0 && bucket < MINUTES) {
        requests[bucket] = (requests[bucket] ?? 0) + 1;
        latencySum[bucket] = (latencySum[bucket] ?? 0) + event.latency_ms;
      }
    }
    snapshot.malformed = stream.stats.malformed;
    const recent = await readRecentEvents(files, 100);
    if (recent.length > 0) {
      snapshot.avgLatencyLast100 =
        recent.reduce((sum, event) => sum + event.latency_ms, 0) / recent.length;
    }
  } catch (error) {
    snapshot.fileProblem = (error as Error).message;
    return snapshot;
  }
  snapshot.lastHour = {
    summary: builder.result(),
    requestsPerMinute: requests,
    latencyPerMinute: latencySum.map((sum, i) => (requests[i] ? sum / (requests[i] ?? 1) : 0)),
  };
  return snapshot;
}
