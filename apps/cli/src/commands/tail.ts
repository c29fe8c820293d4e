import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import {
  createFileFollower,
  EventKitError,
  parseTelemetryLine,
  type TelemetryEvent,
} from '@eventkit/core/telemetry';
import { abortableSleep } from '../abortable-sleep.js';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { formatEvent } from '../event-format.js';
import { forEachEvent } from '../event-stream.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { defaultTelemetryFile, displayPath, STDIN_ARG } from '../input-files.js';
import { createLineBuffer } from '../line-buffer.js';

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
  if (file === STDIN_ARG) {
    if (flags.follow) {
      throw new UsageError(
        'tail: -f follows a file across rotations; standard input (-) cannot be followed — drop -f, or name the telemetry file',
      );
    }
    return tailStdin(ctx, flags);
  }
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
  const out = createLineBuffer(ctx.stdout);
  /** Says something on stderr after the events printed before it. */
  const note = (message: string) => {
    out.flush();
    ctx.stderr.write(`eventkit: ${message}\n`);
  };
  const follower = createFileFollower({
    file: target,
    from: { lastLines: flags.lines },
    onLine(buf, start, end) {
      const line = buf.toString('utf8', start, end);
      const parsed = parseTelemetryLine(line);
      if (parsed.ok) {
        out.push(formatEvent(parsed.event, flags.pretty ? 'pretty' : 'jsonl', c));
      } else if (line.trim() !== '') {
        note(`${label}: skipped a malformed line (${parsed.reason})`);
      }
    },
    onDroppedLine: (reason) =>
      note(
        `${label}: skipped a line ${reason === 'too-long' ? 'over 1 MiB' : 'cut short when the file was rotated'}`,
      ),
    onFileChange: (change) => note(`${label} was ${change}; following the new file`),
    warn: note,
  });
  const poll = async () => {
    try {
      await follower.poll();
    } catch (error) {
      throw unreadable(error);
    } finally {
      out.flush();
    }
  };
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

/** `eventkit tail -`: the last events of standard input, once it ends (kept in a ring of -n). */
async function tailStdin(ctx: CliContext, flags: TailFlags): Promise<number> {
  const ring: TelemetryEvent[] = [];
  let next = 0;
  await forEachEvent(ctx, [STDIN_ARG], { rotated: false }, {}, (event) => {
    if (flags.lines === 0) return true;
    ring[next] = event;
    next = (next + 1) % flags.lines;
    return true;
  });
  const last = ring.length < flags.lines ? ring : [...ring.slice(next), ...ring.slice(0, next)];
  const c = colorsFor(ctx.stdout, ctx.env);
  const out = createLineBuffer(ctx.stdout);
  for (const event of last) out.push(formatEvent(event, flags.pretty ? 'pretty' : 'jsonl', c));
  out.flush();
  return EXIT.ok;
}
