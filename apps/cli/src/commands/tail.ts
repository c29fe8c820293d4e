import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { createFileFollower, EventKitError, parseTelemetryLine } from '@eventkit/core/telemetry';
import { abortableSleep } from '../abortable-sleep.js';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { formatEvent } from '../event-format.js';
import { EXIT } from '../exit-codes.js';
import { defaultTelemetryFile, displayPath } from '../input-files.js';

export interface TailFlags {
  /** Past events to print first; 0 prints only new ones (with -f). */
  lines: number;
  follow?: boolean;
  pretty?: boolean;
  /** Milliseconds between checks with -f. */
  pollMs: number;
  manifest?: string;
}

/**
 * `eventkit tail [-f]`: the last events of the live telemetry file; with -f keeps printing new
 * ones, across rotations, until Ctrl-C (or `signal`).
 */
export async function runTail(
  ctx: CliContext,
  file: string | undefined,
  flags: TailFlags,
  signal: AbortSignal,
): Promise<number> {
  const target = file
    ? path.resolve(ctx.cwd, file)
    : await defaultTelemetryFile(ctx.cwd, flags.manifest);
  const c = colorsFor(ctx.stdout, ctx.env);
  const label = displayPath(target, ctx.cwd);
  const unreadable = (error: unknown) =>
    new EventKitError(
      'UNREADABLE_INPUT',
      `${label}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path, or run eventkit doctor`,
      { cause: error },
    );
  try {
    await access(target, constants.R_OK);
  } catch (error) {
    if (!flags.follow || (error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw unreadable(error);
    ctx.stderr.write(`eventkit: ${label} does not exist yet; waiting for it\n`);
  }
  const follower = createFileFollower({
    file: target,
    from: { lastLines: flags.lines },
    onLine(buf, start, end) {
      const line = buf.toString('utf8', start, end);
      const parsed = parseTelemetryLine(line);
      if (parsed.ok) {
        ctx.stdout.write(formatEvent(parsed.event, flags.pretty ? 'pretty' : 'jsonl', c));
      } else if (line.trim() !== '') {
        ctx.stderr.write(`eventkit: ${label}: skipped a malformed line (${parsed.reason})\n`);
      }
    },
    onDroppedLine: (reason) =>
      ctx.stderr.write(
        `eventkit: ${label}: skipped a line ${reason === 'too-long' ? 'over 1 MiB' : 'cut short when the file was rotated'}\n`,
      ),
    onFileChange: (change) =>
      ctx.stderr.write(`eventkit: ${label} was ${change}; following the new file\n`),
    warn: (message) => ctx.stderr.write(`eventkit: ${message}\n`),
  });
  const poll = () => follower.poll().catch((error: unknown) => Promise.reject(unreadable(error)));
  try {
    await poll();
    while (flags.follow && !signal.aborted) {
      await abortableSleep(flags.pollMs, signal);
      await poll();
    }
  } finally {
    await follower.close();
  }
  return EXIT.ok;
}
