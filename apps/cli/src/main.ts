#!/usr/bin/env node
import { createProgram } from './cli.js';
import { createProcessContext } from './context.js';
import { mapError } from './exit-codes.js';

// A closed pipe (`eventkit query | head`) is a normal end, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

const ctx = createProcessContext();
const { program, result } = createProgram(ctx);
try {
  await program.parseAsync(process.argv);
  process.exitCode = result.exitCode;
} catch (error) {
  const { code, message } = mapError(error);
  if (message !== undefined) ctx.stderr.write(`eventkit: ${message}\n`);
  if (process.env.EVENTKIT_DEBUG && error instanceof Error && error.stack) {
    ctx.stderr.write(`${error.stack}\n`);
  }
  process.exitCode = code;
}
