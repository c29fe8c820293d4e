import path from 'node:path';
import { EventKitError, parseTelemetryLine } from '@eventkit/core';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { formatEvent } from '../event-format.js';
import { EXIT } from '../exit-codes.js';
import { defaultTelemetryFile, displayPath } from '../input-files.js';
import { followFile, readLastLines } from '../tail-file.js';

export interface TailFlags {
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
  const print = (line: string) => {
    const parsed = parseTelemetryLine(line);
    if (parsed.ok) {
      ctx.stdout.write(formatEvent(parsed.event, flags.pretty ? 'pretty' : 'jsonl', c));
    } else if (line.trim() !== '') {
      ctx.stderr.write(`eventkit: ${label}: skipped a malformed line (${parsed.reason})\n`);
    }
  };
  let from = 0;
  try {
    const last = await readLastLines(target, flags.lines);
    last.lines.forEach(print);
    from = last.end;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!flags.follow || code !== 'ENOENT') {
      throw new EventKitError(
        'UNREADABLE_INPUT',
        `${label}: cannot read it (${code ?? 'error'}); check the path, or run eventkit doctor`,
        { cause: error },
      );
    }
    ctx.stderr.write(`eventkit: ${label} does not exist yet; waiting for it\n`);
  }
  if (!flags.follow) return EXIT.ok;
  await followFile(target, {
    from,
    intervalMs: flags.pollMs,
    signal,
    onLine: print,
    onReset: (reason) =>
      ctx.stderr.write(`eventkit: ${label} was ${reason}; following the new file\n`),
  });
  return EXIT.ok;
}
