import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createTelemetryWriter, type TelemetryWriter } from '@eventkit/core';
import {
  type LoadedManifest,
  loadManifest,
  manifestSettings,
  SAMPLE_MANIFEST_PATH,
} from '@eventkit/core/manifest';
import type { CliContext } from './context.js';

export interface AgentFlags {
  manifest?: string;
  /** `--no-telemetry` sets this false. */
  telemetry: boolean;
  /** With `--source graph`: calendar owner (default GRAPH_USER_ID) and window. */
  user?: string;
  start?: string;
  end?: string;
}

/** The manifest the agent would load: --manifest, EVENTKIT_MANIFEST, or the bundled sample. */
export function loadAgentManifest(ctx: CliContext, flags: AgentFlags): Promise<LoadedManifest> {
  return loadManifest(
    flags.manifest ? path.resolve(ctx.cwd, flags.manifest) : SAMPLE_MANIFEST_PATH,
  );
}

export interface ActionRecorder {
  /** Records one action as the server does: timing, success, compact payload, a trace id. */
  record<T>(
    action: string,
    work: () => Promise<T> | T,
    payload: (result: T | undefined) => Record<string, unknown>,
  ): Promise<T>;
  close(): Promise<void>;
}

/**
 * Telemetry for the offline commands, through core's writer with the manifest's settings, so
 * `eventkit recommend` leaves the same line the server would.
 */
export function createActionRecorder(
  ctx: CliContext,
  loaded: LoadedManifest,
  flags: AgentFlags,
): ActionRecorder {
  const settings = manifestSettings(loaded, ctx.cwd).telemetry;
  const writer: TelemetryWriter | undefined =
    flags.telemetry && settings.enabled
      ? createTelemetryWriter({
          file: settings.file,
          maxSizeBytes: settings.maxSizeBytes,
          retention: settings.retention,
          now: ctx.now,
          onError: (error) =>
            ctx.stderr.write(`eventkit: telemetry not written: ${(error as Error).message}\n`),
        })
      : undefined;
  return {
    async record(action, work, payload) {
      const started = performance.now();
      const ts = ctx.now().getTime() / 1000;
      let result: Awaited<ReturnType<typeof work>> | undefined;
      let error: string | null = null;
      try {
        result = await work();
        return result;
      } catch (caught) {
        error = (caught as { code?: string }).code?.toLowerCase() ?? 'error';
        throw caught;
      } finally {
        writer?.write({
          ts: Math.round(ts * 1000) / 1000,
          action,
          success: error === null,
          latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
          payload: { ...payload(result), client: 'cli' },
          error,
          trace_id: randomBytes(16).toString('hex'),
        });
      }
    },
    async close() {
      await writer?.close();
    },
  };
}
