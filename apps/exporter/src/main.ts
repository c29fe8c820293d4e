#!/usr/bin/env node
import { exitCodeFor } from '@eventkit/core/telemetry';
import { CommanderError } from 'commander';
import { createCli } from './cli.js';

/** The one place errors become exit codes: the root README's table, via core's mapping. */
function exitCodeOf(error: unknown): number {
  // Commander's own errors are usage errors (2), except --help and --version (0).
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  return exitCodeFor(error);
}

// A closed pipe (`--once | head`) is the reader's choice, not a failure; the rest is not written.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

const io = {
  env: process.env,
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
};

try {
  await createCli(io).parseAsync(process.argv);
} catch (error) {
  const code = exitCodeOf(error);
  // Commander has already printed its own message (and --help is exit 0).
  if (!(error instanceof CommanderError)) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`event-agent-exporter: ${message}\n`);
  }
  process.exitCode = code;
}
