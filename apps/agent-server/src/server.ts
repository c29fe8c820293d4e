import type { AddressInfo } from 'node:net';
import type { ServerType } from '@hono/node-server';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import type { ServerConfig } from './config.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js';

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly runtime: Runtime;
  /** Stop accepting, finish in-flight requests, flush telemetry, traces and logs. Idempotent. */
  shutdown(reason: string): Promise<void>;
  /** Reopen the log file (SIGHUP, after logrotate renamed it). */
  reopenLogs(): void;
}

function listen(server: ServerType): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the agent on `config.host:config.port`; rejects if the port cannot be bound. */
export async function startServer(
  config: ServerConfig,
  options: RuntimeOptions = {},
): Promise<RunningServer> {
  const runtime = await createRuntime(config, options);
  const { deps, logger, telemetry, tracing } = runtime;
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  let address: AddressInfo;
  try {
    address = await listen(server);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    logger.critical(
      code === 'EADDRINUSE'
        ? `Cannot start server, port in use: ${config.host}:${config.port}`
        : `Cannot start server on ${config.host}:${config.port}: ${(error as Error).message}`,
    );
    await Promise.all([telemetry.close(), tracing.shutdown()]);
    await logger.close();
    throw error;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info(`Serving HTTP on port ${address.port} (http://${host}:${address.port})`);

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      deps.lifecycle.draining = true;
      if (config.shutdownDelayMs > 0) {
        logger.info(`${reason}: /readyz reports draining; closing in ${config.shutdownDelayMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      }
      logger.info(`${reason}: draining in-flight requests`);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets would hold close() open; in-flight ones finish first.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      const timer = setTimeout(() => {
        logger.warning(
          `Shutdown timeout (${config.shutdownTimeoutMs} ms): closing open connections`,
        );
        if ('closeAllConnections' in server) server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      await Promise.all([telemetry.close(), tracing.shutdown()]);
      const { written, dropped } = telemetry.stats;
      logger.info(`Shutdown complete: ${written} telemetry lines written, ${dropped} dropped`);
      await logger.close();
    })();
    return stopping;
  };

  return {
    port: address.port,
    url: `http://${host}:${address.port}`,
    runtime,
    shutdown,
    reopenLogs: () => {
      logger.reopen();
      logger.info('Reopened log file (SIGHUP)');
    },
  };
}
