import cluster from 'node:cluster';
import type { ServerConfig } from '../config.js';
import { createLogger, createStderrSink } from '../logging/logger.js';
import { createWorkerPool, isWorkerMessage } from './worker-pool.js';

/** Set by the primary in each worker's environment; not settings (see `workerIdentityFromEnv`). */
const WORKER_ENV = 'EVENTKIT_WORKER';
const RESTARTS_ENV = 'EVENTKIT_WORKER_RESTARTS';

/**
 * The primary of `--workers N`: forks N copies of this program (node:cluster, one shared port),
 * keeps them running and stops them on SIGTERM/SIGINT. It serves nothing and writes no
 * telemetry; its log lines name the bare instance (`event_agent[web1]`). Resolves with the exit code.
 */
export async function runPrimary(config: ServerConfig): Promise<number> {
  const logger = createLogger({
    name: 'event_agent',
    instance: config.instance,
    level: config.logLevel,
    file: config.logFile,
    console: createStderrSink(),
  });
  const pool = createWorkerPool({
    count: config.workers,
    fork: (id, restarts) =>
      cluster.fork({ [WORKER_ENV]: String(id), [RESTARTS_ENV]: String(restarts) }),
    logger,
  });
  const finish = async (code: number) => {
    logger.info(`All workers stopped; exiting with ${code} (worker restarts: ${pool.restarts})`);
    await logger.close();
    return code;
  };
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info(`Received ${signal}: stopping ${config.workers} workers`);
      void pool.stop().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.on('uncaughtException', (error) => {
    // The workers exit too once the primary is gone (node:cluster closes their channel).
    logger.critical(`Uncaught exception in the primary: ${error.stack ?? error.message}`);
    logger.flushSync();
    process.exit(1);
  });
  process.on('SIGHUP', () => {
    logger.reopen();
    logger.info('Reopened log file (SIGHUP); passing it on to the workers');
    pool.signal('SIGHUP');
  });
  const startCode = await pool.start();
  // A worker that failed to start has said why; the primary only passes its exit code on.
  if (startCode !== 0) {
    await logger.close();
    return startCode;
  }
  logger.info(`Serving with ${config.workers} workers`);
  return finish(await stopped);
}

/** In a worker forked by `runPrimary`: which one it is, and the restarts it was told of. */
export function workerIdentityFromEnv(env: NodeJS.ProcessEnv, count: number) {
  let restarts = Number(env[RESTARTS_ENV] ?? 0) || 0;
  process.on('message', (message) => {
    if (isWorkerMessage(message)) restarts = message.restarts;
  });
  return { id: Number(env[WORKER_ENV]), count, restarts: () => restarts };
}
