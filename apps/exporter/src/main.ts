#!/usr/bin/env node
import { isEventKitError } from '@eventkit/core/telemetry';
import { CommanderError } from 'commander';
import { createCli } from './cli.js';

/** The one place errors become exit codes: 2 usage/config, 66 unreadable input, 1 anything else. */
function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (isEventKitError(error)) {
    if (error.code === 'UNREADABLE_INPUT' || error.code === 'MANIFEST_NOT_FOUND') return 66;
    if (
      error.code === 'INVALID_MANIFEST' ||
      error.code === 'INVALID_CONFIG' ||
      error.code === 'INVALID_INPUT'
    )
      return 2;
  }
  return 1;
}

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
