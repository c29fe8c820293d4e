import type { SaveExportOptions, SessionSource, TelemetryWriter } from '@eventkit/core';
import type { LoadedManifest } from '@eventkit/core/manifest';
import type { Context } from 'hono';
import type { HealthModel } from './health/health-model.js';
import type { Logger } from './logging/logger.js';
import type { RateLimiter } from './middleware/rate-limit.js';
import type { ProfileStore } from './profile-store.js';
import type { RequestTrace } from './trace-context.js';
import type { RequestSpan, Tracing } from './tracing.js';

export interface Lifecycle {
  /** True once shutdown began: /readyz answers 503 and responses close their connection. */
  readonly draining: boolean;
}

export interface ExportTarget {
  /** Export-to-disk (`features.export.enabled`). */
  enabled: boolean;
  /** Absolute; files are only ever written inside it. */
  outputDir: string;
  /** `features.export.maxFiles` / `maxAgeDays`; unset = nothing is ever removed. */
  retention?: SaveExportOptions['retention'];
  /** Tests simulate a low disk with it. */
  statfs?: SaveExportOptions['statfs'];
}

export interface AppDeps {
  loaded: LoadedManifest;
  sessions: SessionSource;
  telemetry: Pick<TelemetryWriter, 'write'>;
  logger: Logger;
  tracing: Tracing;
  health: HealthModel;
  profiles: Pick<ProfileStore, 'load' | 'save'>;
  exportTarget: ExportTarget;
  rateLimiter: RateLimiter;
  lifecycle: Lifecycle;
  /** Unset = no authentication. */
  apiToken?: string | undefined;
  maxBodyBytes?: number;
  maxUrlBytes?: number;
  /** This process's name (`EVENTKIT_INSTANCE`, `-w<k>` in worker k): `instance` of telemetry lines. */
  instance?: string;
  /** Wall clock for telemetry `ts` and exports. */
  now?: () => Date;
  /** The client of a request (see `createClientAddress`); default the socket's peer. */
  clientAddress?: (c: Context) => string | undefined;
}

export type AppEnv = {
  Variables: {
    trace: RequestTrace;
    requestSpan: RequestSpan;
    /** Telemetry action of the request; middleware may change it (unauthorized, rate_limited). */
    action: string;
    telemetryPayload: Record<string, unknown>;
    /** Short reason of a failed request, for telemetry and the log. */
    failure: string;
    /** The client's address, found once per request by `observe` (rate-limit key, logs). */
    client: string | undefined;
    /** The parsed query string (see `queryOf`). */
    query: Readonly<Record<string, string>>;
  };
};
