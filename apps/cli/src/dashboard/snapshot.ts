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
  file: string;
  /** Why the file could not be read, when it could not. */
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
  file: string;
  now: Date;
  timeoutMs?: number;
  /** The most latencies kept for exact percentiles (EVENTKIT_EXACT_LIMIT; default core's). */
  exactLimit?: number;
}

/**
 * One refresh of the dashboard: the health probe and the last hour of telemetry. Only the live
 * file and its newest archive are read (an hour never spans more unless rotation is very
 * frequent), so a refresh stays cheap whatever the history.
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<DashboardSnapshot> {
  const { now, file } = options;
  const healthPromise = probeAgentHealth(options.fetch, options.url, options.timeoutMs ?? 2000);
  const snapshot: DashboardSnapshot = {
    at: now,
    health: await healthPromise,
    file,
    malformed: 0,
  };
  const exists = await stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!exists) {
    snapshot.fileProblem = 'not found';
    return snapshot;
  }
  const archives = await listRotatedFiles(file).catch(() => []);
  const files = [...archives.slice(-1), file];
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
