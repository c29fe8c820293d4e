#!/usr/bin/env node
import cluster from 'node:cluster';
import { exitCodeFor, isEventKitError } from '@eventkit/core';
import { HELP, readServerConfig } from './config.js';
import type { RunningServer } from './server.js';
import { runPrimary, workerIdentityFromEnv } from './workers/primary.js';

function fail(error: unknown, logged: boolean): never {
  // A manifest or port error was already logged (one line, naming the field); others get one here.
  if (!logged) {
    const message = isEventKitError(error) ? error.message : (error as Error).message;
    process.stderr.write(`event-agent-server: ${message}\n`);
  }
  process.exit(exitCodeFor(error));
}

let config: ReturnType<typeof readServerConfig>;
try {
  config = readServerConfig(process.argv.slice(2), process.env);
} catch (error) {
  fail(error, false);
}
if (config.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

if (config.config.workers > 1 && cluster.isPrimary) {
  process.exit(await runPrimary(config.config));
}
const worker =
  config.config.workers > 1 ? workerIdentityFromEnv(process.env, config.config.workers) : undefined;

// The server (Hono, OpenTelemetry) is loaded by the processes that serve, not by a primary.
const { startServer } = await import('./server.js');
let running: RunningServer;
try {
  running = await startServer(config.config, worker ? { worker } : {});
} catch (error) {
  const logged =
    (isEventKitError(error) &&
      (error.code === 'INVALID_MANIFEST' || error.code === 'MANIFEST_NOT_FOUND')) ||
    (error as NodeJS.ErrnoException).syscall === 'listen';
  fail(error, logged);
}

const stop = (signal: NodeJS.Signals) => {
  running.shutdown(`Received ${signal}`).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`event-agent-server: shutdown failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', () => running.reopenLogs());
process.on('uncaughtException', (error) => {
  running.runtime.logger.critical(`Uncaught exception: ${error.stack ?? error.message}`);
  running.runtime.logger.flushSync();
  process.exit(1);
});
