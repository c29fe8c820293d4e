import path from 'node:path';
import { createSessionSource } from '@eventkit/core';
import { type LoadedManifest, loadManifest } from '@eventkit/core/manifest';
import type { TelemetryEventInput } from '@eventkit/core/telemetry';
import { createApp } from '../app.js';
import type { AppDeps } from '../app-types.js';
import { createHealthModel } from '../health/health-model.js';
import { createLogger, type LogSink } from '../logging/logger.js';
import { createRateLimiter } from '../middleware/rate-limit.js';
import { createTracing } from '../tracing.js';
import { tempDir } from './temp-dir.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../../..');
export const PYTHON_MANIFEST = path.join(
  REPO_ROOT,
  'fixtures/python-eventkit/python-eventkit-agent.json',
);

/** A profile store in memory, for logic tests (the real one is profile-store.ts). */
export function memoryProfiles(): AppDeps['profiles'] & { data: Map<string, string[]> } {
  const data = new Map<string, string[]>();
  return {
    data,
    load: async (name) => data.get(name),
    save: async (name, interests) => {
      const list = typeof interests === 'string' ? [interests] : [...interests];
      data.set(name, list);
      return list;
    },
  };
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  events: TelemetryEventInput[];
  logLines: string[];
  lifecycle: { draining: boolean };
}

/** The app over the Python fixture manifest, with recording telemetry and log sinks. */
export async function createTestApp(
  overrides: Partial<AppDeps> & { manifest?: string | LoadedManifest } = {},
): Promise<TestApp> {
  const { manifest = PYTHON_MANIFEST, ...rest } = overrides;
  const loaded = typeof manifest === 'string' ? await loadManifest(manifest) : manifest;
  const events: TelemetryEventInput[] = [];
  const logLines: string[] = [];
  const sink: LogSink = { write: (chunk) => logLines.push(chunk.replace(/\n$/, '')) };
  const logger = createLogger({ name: 'event_agent', level: 'DEBUG', console: sink });
  const lifecycle = { draining: false };
  const health = createHealthModel({ version: '1.0.0-test', checks: [] });
  const deps: AppDeps = {
    loaded,
    sessions: createSessionSource(loaded),
    telemetry: { write: (event) => events.push(event) },
    logger,
    tracing: createTracing({ exporter: 'none' }),
    health,
    profiles: memoryProfiles(),
    exportTarget: {
      enabled: false,
      outputDir: tempDir('eventkit-exports-'),
    },
    rateLimiter: createRateLimiter({ perMinute: 0, burst: 1 }),
    lifecycle,
    ...rest,
  };
  return { app: createApp(deps), deps, events, logLines, lifecycle };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
export type JsonBody = any;

/** A response's JSON body, typed loosely for assertions. */
export async function json(res: Response): Promise<JsonBody> {
  return res.json();
}
