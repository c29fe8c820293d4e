import { readFileSync } from 'node:fs';
import {
  createGraphClient,
  createSessionSource,
  createTelemetryWriter,
  type HealthCheck,
  type SessionSource,
  type TelemetryWriter,
  telemetryWritableCheck,
} from '@eventkit/core';
import { type LoadedManifest, loadManifest, manifestSettings } from '@eventkit/core/manifest';
import { workerTelemetryFile } from '@eventkit/core/telemetry';
import type { AppDeps } from './app-types.js';
import { createClientAddress } from './client-address.js';
import type { ServerConfig } from './config.js';
import { graphAuthCheck } from './health/graph-auth-check.js';
import { createHealthModel } from './health/health-model.js';
import { createTelemetryFailureLog } from './health/telemetry-failure-log.js';
import { createLogger, createStderrSink, type Logger, type LogSink } from './logging/logger.js';
import { createRateLimiter } from './middleware/rate-limit.js';
import { createProfileStore } from './profile-store.js';
import { createTracing, type Tracing } from './tracing.js';

export const VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

export const MANIFEST_UNAVAILABLE = 'Cannot load manifest';

/** `/health`'s manifest check: the served agent.json can still be read and validated. */
export function manifestCheck(manifestPath: string): HealthCheck {
  return {
    name: 'manifest',
    async run() {
      try {
        await loadManifest(manifestPath);
        return undefined;
      } catch {
        return MANIFEST_UNAVAILABLE;
      }
    },
  };
}

/** agent.json's `profile.storage_file` (the Python agent's key), if it names one. */
function manifestProfilesFile(loaded: LoadedManifest): string | undefined {
  const profile = (loaded.manifest as { profile?: { storage_file?: unknown } }).profile;
  return typeof profile?.storage_file === 'string' ? profile.storage_file : undefined;
}

/** Everything a running agent owns, so shutdown can close it in order. */
export interface Runtime {
  deps: AppDeps & { lifecycle: { draining: boolean } };
  logger: Logger;
  telemetry: TelemetryWriter;
  tracing: Tracing;
}

/** Which worker of a `--workers N` run this process is (see `cluster/primary.ts`). */
export interface WorkerIdentity {
  /** 1-based; a replaced worker keeps its number, so its telemetry file. */
  id: number;
  count: number;
  /** Workers the primary has restarted so far (it tells every worker). */
  restarts(): number;
}

export interface RuntimeOptions {
  console?: LogSink;
  /** Set in a worker of several: its own telemetry file and `-w<id>` instance name. */
  worker?: WorkerIdentity;
  /** Replaces the manifest/external-file source (the Graph source plugs in here). */
  sessions?: SessionSource;
  /** Checks added to manifest and telemetry (e.g. Graph authentication). */
  extraChecks?: HealthCheck[];
  now?: () => Date;
}

/**
 * Builds the agent's dependencies from its config: logger first (so a bad manifest is logged),
 * then the manifest (throws `INVALID_MANIFEST` / `MANIFEST_NOT_FOUND`), telemetry writer,
 * tracing, profiles and the health model.
 */
export async function createRuntime(
  config: ServerConfig,
  {
    console: consoleSink = createStderrSink({ batchMs: 10 }),
    sessions,
    extraChecks = [],
    now,
    worker,
  }: RuntimeOptions = {},
): Promise<Runtime> {
  const instance = worker ? `${config.instance}-w${worker.id}` : config.instance;
  const logger = createLogger({
    name: 'event_agent',
    instance,
    level: config.logLevel,
    file: config.logFile,
    console: consoleSink,
    // Two lines per request: gathered for 10 ms, one file write instead of one per loop turn
    // (the stderr sink likewise).
    fileBatchMs: 10,
  });
  let loaded: LoadedManifest;
  try {
    loaded = await loadManifest(config.manifestPath);
  } catch (error) {
    logger.critical(`${MANIFEST_UNAVAILABLE}: ${(error as Error).message}`);
    await logger.close();
    throw error;
  }
  const { telemetry: configured, export: exportTarget } = manifestSettings(loaded);
  // No two processes ever append to or rotate the same file.
  const settings = worker
    ? { ...configured, file: workerTelemetryFile(configured.file, worker.id) }
    : configured;
  // A failing disk fails every batch: one ERROR per episode, a reminder a minute, one on recovery.
  const telemetryFailures = createTelemetryFailureLog({ logger });
  const telemetry = createTelemetryWriter({
    file: settings.file,
    enabled: settings.enabled,
    maxSizeBytes: settings.maxSizeBytes,
    retention: settings.retention,
    onError: telemetryFailures.onError,
    onGapRecorded: telemetryFailures.onGapRecorded,
  });
  telemetryFailures.watch(telemetry);
  const tracing = createTracing({
    exporter: config.traces.exporter,
    endpoint: config.traces.endpoint,
    serviceName: config.serviceName,
    serviceVersion: VERSION,
    scheduledDelayMillis: config.traces.scheduledDelayMillis,
  });
  const graph = config.graph
    ? createGraphClient(config.graph, { logger: logger.child('graph') })
    : undefined;
  const checks: HealthCheck[] = [
    manifestCheck(loaded.path),
    // Unhealthy while the writer is losing events, not only when the directory looks wrong.
    ...(settings.enabled ? [telemetryWritableCheck(settings.file, { writer: telemetry })] : []),
    ...(graph ? [graphAuthCheck(graph)] : []),
    ...extraChecks,
  ];
  const deps: Runtime['deps'] = {
    loaded,
    sessions:
      sessions ??
      createSessionSource(loaded, {
        graph,
        graphCacheTtlMs: config.graphCacheTtlSeconds * 1000,
        onWarning: (message) => logger.warning(message),
        ...(now ? { now } : {}),
      }),
    telemetry,
    logger,
    tracing,
    health: createHealthModel({
      version: VERSION,
      checks,
      ...(worker
        ? {
            identity: () => ({
              instance,
              workers: worker.count,
              worker_restarts: worker.restarts(),
            }),
          }
        : {}),
      ...(now ? { now } : {}),
    }),
    profiles: createProfileStore(
      config.profilesFile ?? manifestProfilesFile(loaded) ?? '~/.event_agent_profiles.json',
      { maxProfiles: config.profileStoreMax },
    ),
    instance,
    exportTarget,
    rateLimiter: createRateLimiter({
      perMinute: config.rateLimitPerMinute,
      burst: config.rateLimitBurst,
    }),
    lifecycle: { draining: false },
    clientAddress: createClientAddress(config.trustProxy),
    apiToken: config.apiToken,
    maxBodyBytes: config.maxBodyBytes,
    maxUrlBytes: config.maxUrlBytes,
    ...(now ? { now } : {}),
  };
  logger.info(
    `Loaded ${loaded.path}: ${loaded.manifest.sessions.length} sessions; telemetry ${
      settings.enabled ? settings.file : 'off'
    }; traces ${config.traces.exporter}; auth ${config.apiToken ? 'on' : 'off'}; Graph source ${graph ? 'on' : 'off'}`,
  );
  return { deps, logger, telemetry, tracing };
}
