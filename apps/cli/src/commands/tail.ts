import { access, constants } from 'node:fs/promises';
import {
  createFileFollower,
  EventKitError,
  type FileFollower,
  instanceTelemetryFiles,
  parseTelemetryLine,
  type TelemetryEvent,
} from '@eventkit/core/telemetry';
import { abortableSleep } from '../abortable-sleep.js';
import { colorsFor } from '../colors.js';
import type { CliContext } from '../context.js';
import { formatEvent } from '../event-format.js';
import { forEachEvent } from '../event-stream.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { defaultTelemetryFile, displayPath, expandFileArgs, STDIN_ARG } from '../input-files.js';
import { createLineBuffer } from '../line-buffer.js';
import { createTimeMerge } from '../time-merge.js';

export interface TailFlags {
  /** Past events to print first; 0 prints only new ones (with -f). */
  lines: number;
  follow?: boolean;
  pretty?: boolean;
  /** Milliseconds between checks with -f. */
  pollMs: number;
  /** With several files and -f: how long a line may wait for the other files (ms). */
  reorderMs: number;
  manifest?: string;
}

/**
 * `eventkit tail [-f] [FILES…]`: the last events of the live telemetry files (by default every
 * instance's on this host); with -f keeps printing new ones, across rotations, until Ctrl-C (or
 * `signal`). Several files are merged in time order (see createTimeMerge for the rule).
 */
export async function runTail(
  ctx: CliContext,
  args: string[],
  flags: TailFlags,
  signal: AbortSignal,
): Promise<number> {
  if (args.includes(STDIN_ARG)) {
    if (args.length > 1) {
      throw new UsageError(
        'tail: standard input (-) is read on its own; name either - or telemetry files',
      );
    }
    if (flags.follow) {
      throw new UsageError(
        'tail: -f follows a file across rotations; standard input (-) cannot be followed — drop -f, or name the telemetry file',
      );
    }
    return tailStdin(ctx, flags);
  }
  const everyInstance = args.length === 0;
  // Read once: -f lists the instances' files again every round, to pick up new workers.
  const defaultFile = everyInstance ? await defaultTelemetryFile(ctx.cwd, flags.manifest) : '';
  const listFiles = async () =>
    everyInstance
      ? instanceTelemetryFiles(defaultFile)
      : [...new Set(await expandFileArgs(args, ctx.cwd))];
  const c = colorsFor(ctx.stdout, ctx.env);
  const out = createLineBuffer(ctx.stdout);
  /** Says something on stderr after the events printed before it. */
  const note = (message: string) => {
    out.flush();
    ctx.stderr.write(`eventkit: ${message}\n`);
  };
  const merge = createTimeMerge<string>({
    emit: (line) => out.push(line),
    reorderMs: flags.reorderMs,
    sources: 0,
  });
  const followers: { follower: FileFollower; label: string }[] = [];
  const followed = new Set<string>();
  /** One file prints as it is read; several go through the merge. */
  let merged = false;

  async function follow(target: string, from: 'start' | { lastLines: number }): Promise<void> {
    const label = displayPath(target, ctx.cwd);
    try {
      await access(target, constants.R_OK);
    } catch (error) {
      if (!flags.follow || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw unreadable(label, error);
      }
      note(`${label} does not exist yet; waiting for it`);
    }
    const source = merge.addSource();
    followed.add(target);
    const follower = createFileFollower({
      file: target,
      from,
      onLine(buf, start, end) {
        const line = buf.toString('utf8', start, end);
        const parsed = parseTelemetryLine(line);
        if (parsed.ok) {
          const text = formatEvent(parsed.event, flags.pretty ? 'pretty' : 'jsonl', c);
          if (merged) merge.add(source, parsed.event.ts, text, ctx.now().getTime());
          else out.push(text);
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
    followers.push({ follower, label });
  }

  /** Reads every file to its current end, then prints what is due. */
  async function round(first: boolean): Promise<void> {
    if (!first && everyInstance) {
      // A worker started since: its whole file is new.
      for (const file of await listFiles()) {
        if (followed.has(file)) continue;
        merged = true;
        await follow(file, 'start');
      }
    }
    try {
      for (const { follower, label } of followers) {
        try {
          await follower.poll();
        } catch (error) {
          throw unreadable(label, error);
        }
      }
      if (first) merge.releaseLast(flags.lines);
      else merge.release(ctx.now().getTime());
    } finally {
      out.flush();
    }
  }

  try {
    const files = await listFiles();
    merged = files.length > 1;
    for (const file of files) await follow(file, { lastLines: flags.lines });
    await round(true);
    while (flags.follow && !signal.aborted) {
      await abortableSleep(flags.pollMs, signal);
      await round(false);
    }
    merge.drain();
    out.flush();
  } finally {
    await Promise.all(followers.map(({ follower }) => follower.close()));
  }
  return EXIT.ok;
}

function unreadable(label: string, error: unknown): EventKitError {
  return new EventKitError(
    'UNREADABLE_INPUT',
    `${label}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path, or run eventkit doctor`,
    { cause: error },
  );
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
