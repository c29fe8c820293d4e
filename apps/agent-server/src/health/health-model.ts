import type { HealthCheck } from '@eventkit/core';

export type { HealthCheck };

/** Which worker answered, in a `--workers N` run: the instance, N and the primary's restarts. */
export interface WorkerHealth {
  instance: string;
  workers: number;
  worker_restarts: number;
}

export type HealthReport =
  | ({
      status: 'healthy';
      timestamp: string;
      version: string;
      uptime_seconds: number;
    } & Partial<WorkerHealth>)
  | ({ status: 'unhealthy'; timestamp: string; errors: string[] } & Partial<WorkerHealth>);

export interface HealthModelOptions {
  version: string;
  checks: HealthCheck[];
  now?: () => Date;
  /** When the service started; uptime is counted from here. Default: when the model was created. */
  startedAt?: Date;
  /** A check that has not answered after this long counts as failed. Default 5000 ms. */
  timeoutMs?: number;
  /** Appended to every report by a worker of several; absent, the report is DESIGN.md's shape. */
  identity?: () => WorkerHealth;
}

export interface HealthModel {
  check(): Promise<HealthReport>;
}

/** `2024-03-15T08:30:00Z`: whole seconds, as DESIGN.md shows it. */
function timestampOf(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(`${check.name} check timed out`), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([check.run(), timeout]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `${check.name} check failed: ${message}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The health model behind `GET /health`: runs every check concurrently and reports
 * `{status:'healthy', timestamp, version, uptime_seconds}` or
 * `{status:'unhealthy', timestamp, errors}` with the checks' error texts in check order.
 * A check that throws or hangs is reported as failed rather than failing the probe.
 *
 * @example
 * const health = createHealthModel({
 *   version: '1.0.0',
 *   checks: [telemetryWritableCheck('telemetry.jsonl')],
 * });
 * const report = await health.check();
 * response.status(report.status === 'healthy' ? 200 : 503).json(report);
 */
export function createHealthModel({
  version,
  checks,
  now = () => new Date(),
  startedAt = now(),
  timeoutMs = 5000,
  identity,
}: HealthModelOptions): HealthModel {
  return {
    async check() {
      const results = await Promise.all(checks.map((check) => runCheck(check, timeoutMs)));
      const errors = results.filter((result): result is string => result !== undefined);
      const at = now();
      const timestamp = timestampOf(at);
      const worker = identity?.();
      if (errors.length > 0) return { status: 'unhealthy', timestamp, errors, ...worker };
      const uptime_seconds = Math.max(0, Math.floor((at.getTime() - startedAt.getTime()) / 1000));
      return { status: 'healthy', timestamp, version, uptime_seconds, ...worker };
    },
  };
}
